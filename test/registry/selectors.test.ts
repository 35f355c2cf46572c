import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  eventFieldLabels,
  namespaceFieldLabels,
  namespaceFields,
  parseFieldSelector,
  parseLabelSelector,
  SelectorParseError,
  serviceFieldLabels,
  serviceFields,
} from '../../src/registry/selectors.js';

function parseError(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SelectorParseError, `expected SelectorParseError, got ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

const labelValueDetail =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const nameDetail =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

const web = { app: 'web', tier: 'frontend', env: 'prod', replicas: '3' };

describe('label selectors: operators', () => {
  it('= and == match exact values', () => {
    assert.equal(parseLabelSelector('app=web').matches(web), true);
    assert.equal(parseLabelSelector('app==web').matches(web), true);
    assert.equal(parseLabelSelector('app=db').matches(web), false);
    assert.equal(parseLabelSelector('missing=web').matches(web), false);
  });

  it('!= matches different values and missing keys', () => {
    assert.equal(parseLabelSelector('app!=db').matches(web), true);
    assert.equal(parseLabelSelector('app!=web').matches(web), false);
    assert.equal(parseLabelSelector('missing!=x').matches(web), true);
  });

  it('in and notin', () => {
    assert.equal(parseLabelSelector('env in (prod, staging)').matches(web), true);
    assert.equal(parseLabelSelector('env in (dev)').matches(web), false);
    assert.equal(parseLabelSelector('missing in (a)').matches(web), false);
    assert.equal(parseLabelSelector('env notin (dev,staging)').matches(web), true);
    assert.equal(parseLabelSelector('env notin (prod)').matches(web), false);
    assert.equal(parseLabelSelector('missing notin (prod)').matches(web), true);
  });

  it('existence and non-existence', () => {
    assert.equal(parseLabelSelector('app').matches(web), true);
    assert.equal(parseLabelSelector('missing').matches(web), false);
    assert.equal(parseLabelSelector('!missing').matches(web), true);
    assert.equal(parseLabelSelector('!app').matches(web), false);
    assert.equal(parseLabelSelector('!app').matches(undefined), true);
    assert.equal(parseLabelSelector('app').matches(undefined), false);
  });

  it('gt and lt compare integers', () => {
    assert.equal(parseLabelSelector('replicas>2').matches(web), true);
    assert.equal(parseLabelSelector('replicas<2').matches(web), false);
    assert.equal(parseLabelSelector('app>1').matches(web), false);
    assert.equal(parseLabelSelector('missing<5').matches(web), false);
  });

  it('empty values', () => {
    assert.equal(parseLabelSelector('app=').matches({ app: '' }), true);
    assert.equal(parseLabelSelector('app=').matches(web), false);
    assert.equal(parseLabelSelector('app in ()').matches({ app: '' }), true);
    assert.equal(parseLabelSelector('app in (,a)').matches({ app: '' }), true);
    assert.equal(parseLabelSelector('app in (a,)').matches({ app: '' }), true);
  });

  it('in and notin are values in a value position', () => {
    assert.equal(parseLabelSelector('x=in').matches({ x: 'in' }), true);
    assert.equal(parseLabelSelector('x in (in,notin)').matches({ x: 'notin' }), true);
    assert.equal(parseLabelSelector('in=notin').matches({ in: 'notin' }), true);
  });
});

describe('label selectors: combinations, whitespace, empty', () => {
  it('comma is AND', () => {
    assert.equal(parseLabelSelector('app=web,tier=frontend').matches(web), true);
    assert.equal(parseLabelSelector('app=web,tier=backend').matches(web), false);
    assert.equal(parseLabelSelector('app in (web),!missing,env!=dev,tier').matches(web), true);
  });

  it('whitespace is allowed around tokens', () => {
    assert.equal(parseLabelSelector('  app = web ,\ttier\n!= backend ').matches(web), true);
    assert.equal(parseLabelSelector('env in(prod)').matches(web), true);
  });

  it('an empty selector matches everything', () => {
    for (const s of ['', '   ', '\t\n']) {
      const sel = parseLabelSelector(s);
      assert.equal(sel.empty, true);
      assert.equal(sel.matches(web), true);
      assert.equal(sel.matches(undefined), true);
      assert.equal(sel.toString(), '');
    }
    assert.equal(parseLabelSelector('app').empty, false);
  });

  it('prints requirements sorted by key, values sorted, like labels.Selector.String()', () => {
    assert.equal(parseLabelSelector('z=1, a in (c,b,b), !m, k, x!=y, n==2, g>3, l<4').toString(), 'a in (b,c),g>3,k,l<4,!m,n==2,x!=y,z=1');
  });

  it('accepts qualified keys with a DNS prefix', () => {
    assert.equal(parseLabelSelector('app.kubernetes.io/name=web').matches({ 'app.kubernetes.io/name': 'web' }), true);
  });
});

describe('label selectors: malformed input', () => {
  const cases: [string, string][] = [
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a in b', "unable to parse requirement: found 'b' expected: '('"],
    ['a in (b', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a in (b c)', "unable to parse requirement: found 'c', expected: ',' or ')'"],
    ['a in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['a in (b,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['a=(', "unable to parse requirement: found '(', expected: identifier"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!=a', "found '!=', expected: !, identifier, or 'end of string'"],
    ['!!a', "unable to parse requirement: found '!', expected: identifier"],
    ['a,', "found '', expected: identifier after ','"],
    ['a,,b', "found ',', expected: identifier after ','"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['(a)', "found '(', expected: !, identifier, or 'end of string'"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['a=b=c', "found '=', expected: ',' or 'end of string'"],
    ['a b=c', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a>b', "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer"],
    ['a=b$', `unable to parse requirement: values[0][a]: Invalid value: "b$": ${labelValueDetail}`],
    ['a$=b', `unable to parse requirement: <nil>: Invalid value: "a$": ${nameDetail}`],
    ['/a', 'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty'],
    [
      'a/b/c',
      "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ],
    [
      'Example.com/a=b',
      "unable to parse requirement: <nil>: Invalid value: \"Example.com/a\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ],
    ['a/=b', `unable to parse requirement: <nil>: Invalid value: "a/": name part must be non-empty; ${nameDetail}`],
    [`a=${'v'.repeat(64)}`, `unable to parse requirement: values[0][a]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`],
    [`${'k'.repeat(64)}`, `unable to parse requirement: <nil>: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 characters`],
    [
      'a in (x$,y$)',
      `unable to parse requirement: [values[0][a]: Invalid value: "x$": ${labelValueDetail}, values[1][a]: Invalid value: "y$": ${labelValueDetail}]`,
    ],
    ['a=b"c', `unable to parse requirement: values[0][a]: Invalid value: "b\\"c": ${labelValueDetail}`],
  ];
  for (const [input, message] of cases) {
    it(`rejects ${JSON.stringify(input)}`, () => parseError(() => parseLabelSelector(input), message));
  }

  it('never throws anything but SelectorParseError', () => {
    const alphabet = fc.constantFrom('a', 'b', 'x.y/z', '=', '!', '(', ')', ',', ' ', '<', '>', 'in', 'notin', '$', '-', '\\', '"', '\0', 'é', '1');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 14 }).map((a) => a.join('')),
        (s) => {
          try {
            parseLabelSelector(s).matches(web);
          } catch (e) {
            assert.ok(e instanceof SelectorParseError, `${JSON.stringify(s)} threw ${String(e)}`);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('field selectors', () => {
  const svc = serviceFields({ metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.0.0.1', type: 'ClusterIP' } });

  it('= == and != on service fields', () => {
    assert.equal(parseFieldSelector('metadata.name=web', serviceFieldLabels).matches(svc), true);
    assert.equal(parseFieldSelector('metadata.name==web', serviceFieldLabels).matches(svc), true);
    assert.equal(parseFieldSelector('metadata.name!=web', serviceFieldLabels).matches(svc), false);
    assert.equal(parseFieldSelector('spec.type!=NodePort', serviceFieldLabels).matches(svc), true);
    assert.equal(parseFieldSelector('spec.clusterIP=10.0.0.1,metadata.namespace=default', serviceFieldLabels).matches(svc), true);
    assert.equal(parseFieldSelector('spec.clusterIP=10.0.0.1,metadata.namespace=other', serviceFieldLabels).matches(svc), false);
  });

  it('empty selectors match everything; empty terms are skipped', () => {
    for (const s of ['', ',', ',,']) {
      const sel = parseFieldSelector(s, serviceFieldLabels);
      assert.equal(sel.empty, true);
      assert.equal(sel.matches(svc), true);
      assert.deepEqual(sel.requirements, []);
    }
  });

  it('empty values compare with missing fields as ""', () => {
    assert.equal(parseFieldSelector('spec.clusterIP=', serviceFieldLabels).matches(serviceFields({})), true);
    assert.equal(parseFieldSelector('spec.clusterIP!=', serviceFieldLabels).matches(svc), true);
  });

  it('the first operator splits a term; == is preferred over =', () => {
    const sel = parseFieldSelector('metadata.name==x', serviceFieldLabels);
    assert.deepEqual(sel.requirements, [{ field: 'metadata.name', op: '=', value: 'x' }]);
    const ne = parseFieldSelector('metadata.name!=x', serviceFieldLabels);
    assert.deepEqual(ne.requirements, [{ field: 'metadata.name', op: '!=', value: 'x' }]);
  });

  it('terms are sorted like fields.ParseSelector sorts them', () => {
    const sel = parseFieldSelector('spec.type=ClusterIP,metadata.name=web', serviceFieldLabels);
    assert.deepEqual(
      sel.requirements.map((r) => r.field),
      ['metadata.name', 'spec.type'],
    );
    assert.equal(sel.toString(), 'metadata.name=web,spec.type=ClusterIP');
    assert.equal(sel.requiresExactMatch('metadata.name'), 'web');
    assert.equal(sel.requiresExactMatch('metadata.namespace'), undefined);
  });

  it('backslash escapes , = and \\ in values', () => {
    const sel = parseFieldSelector('metadata.name=a\\,b\\=c\\\\d', serviceFieldLabels);
    assert.deepEqual(sel.requirements, [{ field: 'metadata.name', op: '=', value: 'a,b=c\\d' }]);
    assert.equal(sel.matches({ 'metadata.name': 'a,b=c\\d' }), true);
    assert.equal(sel.toString(), 'metadata.name=a\\,b\\=c\\\\d');
  });

  it('an escaped comma does not split terms', () => {
    const sel = parseFieldSelector('spec.type=x,metadata.name=a\\,b', serviceFieldLabels);
    assert.deepEqual(sel.requirements, [
      { field: 'metadata.name', op: '=', value: 'a,b' },
      { field: 'spec.type', op: '=', value: 'x' },
    ]);
  });

  const malformed: [string, string][] = [
    ['metadata.name', "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
    ['metadata.name=a,bogus', "invalid selector: 'metadata.name=a,bogus'; can't understand 'bogus'"],
    ['metadata.name=a=b', 'invalid field selector: unescaped character in value: 61'],
    ['metadata.name=a\\,spec.type=x', 'invalid field selector: unescaped character in value: 61'],
    ['metadata.name!==a', 'invalid field selector: unescaped character in value: 61'],
    ['metadata.name=a\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['metadata.name=a\\', 'invalid field selector: invalid escape sequence: \\'],
    ['spec.foo=bar', 'field label not supported: spec.foo'],
    ['=web', 'field label not supported: '],
    [' metadata.name=web', 'field label not supported:  metadata.name'],
    ['status.phase=Active', 'field label not supported: status.phase'],
    ['spec.type=x,spec.foo=1,metadata.bar=2', 'field label not supported: metadata.bar'],
  ];
  for (const [input, message] of malformed) {
    it(`rejects ${JSON.stringify(input)}`, () => parseError(() => parseFieldSelector(input, serviceFieldLabels), message));
  }

  it('namespace and event field labels', () => {
    assert.equal(
      parseFieldSelector('status.phase=Active', namespaceFieldLabels).matches(namespaceFields({ metadata: { name: 'n' }, status: { phase: 'Active' } })),
      true,
    );
    parseError(() => parseFieldSelector('metadata.namespace=x', namespaceFieldLabels), 'field label not supported: metadata.namespace');
    parseFieldSelector('involvedObject.kind=Service,involvedObject.name=web,reason=Created,type=Normal', eventFieldLabels);
    parseError(() => parseFieldSelector('involvedObject.foo=x', eventFieldLabels), 'field label not supported: involvedObject.foo');
  });

  it('service field labels are the ones kube-apiserver converts', () => {
    assert.deepEqual([...serviceFieldLabels].sort(), ['metadata.name', 'metadata.namespace', 'spec.clusterIP', 'spec.type']);
    assert.deepEqual(serviceFields({}), { 'metadata.name': '', 'metadata.namespace': '', 'spec.clusterIP': '', 'spec.type': '' });
  });

  it('never throws anything but SelectorParseError', () => {
    const alphabet = fc.constantFrom('metadata.name', 'spec.type', 'x', '=', '!', ',', '\\', ' ', 'a', 'é', '==', '!=');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 10 }).map((a) => a.join('')),
        (s) => {
          try {
            parseFieldSelector(s, serviceFieldLabels).matches(svc);
          } catch (e) {
            assert.ok(e instanceof SelectorParseError, `${JSON.stringify(s)} threw ${String(e)}`);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
