import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGoDuration } from '../src/goDuration.js';

test('Go durations parse to milliseconds', () => {
  const cases: [string, number][] = [
    ['0', 0],
    ['0s', 0],
    ['-0', 0],
    ['500ms', 500],
    ['3s', 3000],
    ['1m', 60_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['.5s', 500],
    ['2s500ms', 2500],
    ['+3s', 3000],
    ['-2s', -2000],
    ['1500us', 1.5],
    ['1000µs', 1],
    ['1000000ns', 1],
  ];
  for (const [text, ms] of cases) assert.equal(parseGoDuration(text), ms, text);
});

test('what time.ParseDuration refuses is undefined', () => {
  for (const text of ['', '5', 's', '1.s.', '1 s', ' 1s', '1sec', '1d', 'abc', '1s-', '--1s', '1S']) {
    assert.equal(parseGoDuration(text), undefined, JSON.stringify(text));
  }
});
