// Label and field selectors exactly as kube-apiserver parses them for list/watch requests.
//
// Label selectors follow k8s.io/apimachinery/pkg/labels/selector.go (Lexer, Parser,
// NewRequirement) with key/value validation from pkg/util/validation/validation.go
// (IsQualifiedName / IsValidLabelValue, v1.33 wording; see validation/names.ts) and error rendering from
// pkg/util/validation/field (field.Error, ErrorList.ToAggregate, utilerrors.aggregate).
// labels.Parse errors reach the client unwrapped as the message of a 400 BadRequest
// (metainternalversion Convert_string_To_labels_Selector -> handlers/get.go).
//
// Field selectors follow k8s.io/apimachinery/pkg/fields/selector.go (splitTerms, splitTerm,
// UnescapeValue, parseSelector) followed by the per-kind field label conversion
// (pkg/apis/core/v1/conversion.go), which is what handlers/get.go applies with
// FieldSelector.Transform(ConvertFieldLabel).

import { isQualifiedName, isValidLabelValue } from './validation/names.js';
import { goQuote } from '../goQuote.js';

export class SelectorParseError extends Error {
  override name = 'SelectorParseError';
}

// ---------------------------------------------------------------------------
// Go-compatible rendering helpers
// ---------------------------------------------------------------------------

/** Byte-wise comparison, as Go's string ordering (sort.Strings). */
function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** field.Invalid(path, value, detail).Error() for a string value. */
function invalidFieldError(path: string, value: string, detail: string): string {
  return `${path}: Invalid value: ${goQuote(value)}: ${detail}`;
}

/** field.ErrorList.ToAggregate().Error(): dedupe, then one message or "[a, b]". */
function aggregateMessage(messages: string[]): string | undefined {
  const seen: string[] = [];
  for (const m of messages) if (!seen.includes(m)) seen.push(m);
  if (seen.length === 0) return undefined;
  if (seen.length === 1) return seen[0];
  return `[${seen.join(', ')}]`;
}

// ---------------------------------------------------------------------------
// Label selectors
// ---------------------------------------------------------------------------

/** selection.Operator values as labels.Parse produces them. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'gt' | 'lt' | 'exists' | '!';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Sorted, de-duplicated (sets.String.List()). */
  readonly values: readonly string[];
}

export interface LabelSelector {
  matches(labels: Record<string, string> | undefined): boolean;
  readonly empty: boolean;
  toString(): string;
  /** Requirements sorted by key, as labels.Parse returns them. */
  readonly requirements: readonly LabelRequirement[];
}

const binaryOperators = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

enum Tok {
  Error,
  EndOfString,
  ClosedPar,
  Comma,
  DoesNotExist,
  DoubleEquals,
  Equals,
  GreaterThan,
  Identifier,
  In,
  LessThan,
  NotEquals,
  NotIn,
  OpenPar,
}

const string2token: Record<string, Tok> = {
  ')': Tok.ClosedPar,
  ',': Tok.Comma,
  '!': Tok.DoesNotExist,
  '==': Tok.DoubleEquals,
  '=': Tok.Equals,
  '>': Tok.GreaterThan,
  in: Tok.In,
  '<': Tok.LessThan,
  '!=': Tok.NotEquals,
  notin: Tok.NotIn,
  '(': Tok.OpenPar,
};

function lookupToken(s: string): Tok | undefined {
  return Object.hasOwn(string2token, s) ? string2token[s] : undefined;
}

interface ScannedItem {
  tok: Tok;
  literal: string;
}

const NUL = '\0';

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function isSpecialSymbol(ch: string): boolean {
  return ch === '=' || ch === '!' || ch === '(' || ch === ')' || ch === ',' || ch === '>' || ch === '<';
}

class Lexer {
  private pos = 0;
  constructor(private readonly s: string) {}

  /** Like Go's read(): a NUL byte in the input reads as end-of-input but is consumed. */
  private read(): string {
    if (this.pos < this.s.length) return this.s[this.pos++];
    return NUL;
  }

  private unread(): void {
    this.pos--;
  }

  private scanIDOrKeyword(): ScannedItem {
    let buffer = '';
    for (;;) {
      const ch = this.read();
      if (ch === NUL) break;
      if (isSpecialSymbol(ch) || isWhitespace(ch)) {
        this.unread();
        break;
      }
      buffer += ch;
    }
    const tok = lookupToken(buffer);
    if (tok !== undefined) return { tok, literal: buffer };
    return { tok: Tok.Identifier, literal: buffer };
  }

  private scanSpecialSymbol(): ScannedItem {
    let last: ScannedItem = { tok: Tok.Error, literal: '' };
    let buffer = '';
    for (;;) {
      const ch = this.read();
      if (ch === NUL) break;
      if (isSpecialSymbol(ch)) {
        buffer += ch;
        const tok = lookupToken(buffer);
        if (tok !== undefined) {
          last = { tok, literal: buffer };
        } else if (last.tok !== Tok.Error) {
          this.unread();
          break;
        }
      } else {
        this.unread();
        break;
      }
    }
    if (last.tok === Tok.Error) return { tok: Tok.Error, literal: `error expected: keyword found '${buffer}'` };
    return last;
  }

  lex(): ScannedItem {
    let ch = this.read();
    while (isWhitespace(ch)) ch = this.read();
    if (ch === NUL) return { tok: Tok.EndOfString, literal: '' };
    this.unread();
    if (isSpecialSymbol(ch)) return this.scanSpecialSymbol();
    return this.scanIDOrKeyword();
  }
}

enum Ctx {
  KeyAndOperator,
  Values,
}

class LabelParser {
  private items: ScannedItem[] = [];
  private position = 0;

  constructor(private readonly lexer: Lexer) {}

  private at(i: number, ctx: Ctx): ScannedItem {
    const item = this.items[Math.min(i, this.items.length - 1)];
    if (ctx === Ctx.Values && (item.tok === Tok.In || item.tok === Tok.NotIn)) return { tok: Tok.Identifier, literal: item.literal };
    return item;
  }

  private lookahead(ctx: Ctx): ScannedItem {
    return this.at(this.position, ctx);
  }

  private consume(ctx: Ctx): ScannedItem {
    this.position++;
    return this.at(this.position - 1, ctx);
  }

  private scan(): void {
    for (;;) {
      const item = this.lexer.lex();
      this.items.push(item);
      if (item.tok === Tok.EndOfString) break;
    }
  }

  parse(): LabelRequirement[] {
    this.scan();
    const requirements: LabelRequirement[] = [];
    for (;;) {
      const { tok, literal } = this.lookahead(Ctx.Values);
      switch (tok) {
        case Tok.Identifier:
        case Tok.DoesNotExist: {
          let r: LabelRequirement;
          try {
            r = this.parseRequirement();
          } catch (e) {
            if (e instanceof SelectorParseError) throw new SelectorParseError(`unable to parse requirement: ${e.message}`);
            throw e;
          }
          requirements.push(r);
          const t = this.consume(Ctx.Values);
          switch (t.tok) {
            case Tok.EndOfString:
              return requirements;
            case Tok.Comma: {
              const t2 = this.lookahead(Ctx.Values);
              if (t2.tok !== Tok.Identifier && t2.tok !== Tok.DoesNotExist) {
                throw new SelectorParseError(`found '${t2.literal}', expected: identifier after ','`);
              }
              break;
            }
            default:
              throw new SelectorParseError(`found '${t.literal}', expected: ',' or 'end of string'`);
          }
          break;
        }
        case Tok.EndOfString:
          return requirements;
        default:
          throw new SelectorParseError(`found '${literal}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): LabelRequirement {
    const [key, inferred] = this.parseKeyAndInferOperator();
    if (inferred === 'exists' || inferred === '!') return newRequirement(key, inferred, []);
    const operator = this.parseOperator();
    let values: string[];
    if (operator === 'in' || operator === 'notin') values = this.parseValues();
    else values = this.parseExactValue();
    return newRequirement(key, operator, [...new Set(values)].sort(compareGoStrings));
  }

  private parseKeyAndInferOperator(): [string, LabelOperator | ''] {
    let operator: LabelOperator | '' = '';
    let item = this.consume(Ctx.Values);
    if (item.tok === Tok.DoesNotExist) {
      operator = '!';
      item = this.consume(Ctx.Values);
    }
    if (item.tok !== Tok.Identifier) throw new SelectorParseError(`found '${item.literal}', expected: identifier`);
    const keyErrs = isQualifiedName(item.literal);
    if (keyErrs.length !== 0) throw new SelectorParseError(invalidFieldError('<nil>', item.literal, keyErrs.join('; ')));
    const next = this.lookahead(Ctx.Values);
    if (next.tok === Tok.EndOfString || next.tok === Tok.Comma) {
      if (operator !== '!') operator = 'exists';
    }
    return [item.literal, operator];
  }

  private parseOperator(): LabelOperator {
    const { tok, literal } = this.consume(Ctx.KeyAndOperator);
    switch (tok) {
      case Tok.In:
        return 'in';
      case Tok.Equals:
        return '=';
      case Tok.DoubleEquals:
        return '==';
      case Tok.GreaterThan:
        return 'gt';
      case Tok.LessThan:
        return 'lt';
      case Tok.NotIn:
        return 'notin';
      case Tok.NotEquals:
        return '!=';
      default:
        throw new SelectorParseError(`found '${literal}', expected: ${binaryOperators.join(', ')}`);
    }
  }

  private parseValues(): string[] {
    const open = this.consume(Ctx.Values);
    if (open.tok !== Tok.OpenPar) throw new SelectorParseError(`found '${open.literal}' expected: '('`);
    const { tok, literal } = this.lookahead(Ctx.Values);
    switch (tok) {
      case Tok.Identifier:
      case Tok.Comma: {
        const s = this.parseIdentifiersList();
        if (this.consume(Ctx.Values).tok !== Tok.ClosedPar) throw new SelectorParseError(`found '${literal}', expected: ')'`);
        return s;
      }
      case Tok.ClosedPar:
        this.consume(Ctx.Values);
        return [''];
      default:
        throw new SelectorParseError(`found '${literal}', expected: ',', ')' or identifier`);
    }
  }

  private parseIdentifiersList(): string[] {
    const s = new Set<string>();
    for (;;) {
      const { tok, literal } = this.consume(Ctx.Values);
      switch (tok) {
        case Tok.Identifier: {
          s.add(literal);
          const t2 = this.lookahead(Ctx.Values);
          if (t2.tok === Tok.Comma) continue;
          if (t2.tok === Tok.ClosedPar) return [...s];
          throw new SelectorParseError(`found '${t2.literal}', expected: ',' or ')'`);
        }
        case Tok.Comma: {
          if (s.size === 0) s.add('');
          const t2 = this.lookahead(Ctx.Values);
          if (t2.tok === Tok.ClosedPar) {
            s.add('');
            return [...s];
          }
          if (t2.tok === Tok.Comma) {
            this.consume(Ctx.Values);
            s.add('');
          }
          break;
        }
        default:
          throw new SelectorParseError(`found '${literal}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): string[] {
    const next = this.lookahead(Ctx.Values);
    if (next.tok === Tok.EndOfString || next.tok === Tok.Comma) return [''];
    const { tok, literal } = this.consume(Ctx.Values);
    if (tok === Tok.Identifier) return [literal];
    throw new SelectorParseError(`found '${literal}', expected: identifier`);
  }
}

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/** strconv.ParseInt(s, 10, 64) succeeds. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  return v < int64Min || v > int64Max ? undefined : v;
}

/** labels.NewRequirement validation as reached from the parser (key already validated). */
function newRequirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  const errs: string[] = [];
  if (operator === 'gt' || operator === 'lt') {
    values.forEach((v, i) => {
      if (parseInt64(v) === undefined) errs.push(invalidFieldError(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
    });
  }
  values.forEach((v, i) => {
    const ve = isValidLabelValue(v);
    if (ve.length !== 0) errs.push(invalidFieldError(`values[${i}][${key}]`, v, ve.join('; ')));
  });
  const msg = aggregateMessage(errs);
  if (msg !== undefined) throw new SelectorParseError(msg);
  return { key, operator, values };
}

function requirementMatches(r: LabelRequirement, labels: Record<string, string> | undefined): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  const value = has && labels ? labels[r.key] : '';
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has) return false;
      const lv = parseInt64(value);
      if (lv === undefined || r.values.length !== 1) return false;
      const rv = parseInt64(r.values[0]);
      if (rv === undefined) return false;
      return r.operator === 'gt' ? lv > rv : lv < rv;
    }
  }
}

function requirementString(r: LabelRequirement): string {
  let s = r.operator === '!' ? `!${r.key}` : r.key;
  switch (r.operator) {
    case 'exists':
    case '!':
      return s;
    case 'in':
      s += ' in ';
      break;
    case 'notin':
      s += ' notin ';
      break;
    case 'gt':
      s += '>';
      break;
    case 'lt':
      s += '<';
      break;
    default:
      s += r.operator;
  }
  const vals = r.values.length === 1 ? r.values[0] : [...r.values].sort(compareGoStrings).join(',');
  return r.operator === 'in' || r.operator === 'notin' ? `${s}(${vals})` : s + vals;
}

class InternalLabelSelector implements LabelSelector {
  constructor(readonly requirements: readonly LabelRequirement[]) {}
  get empty(): boolean {
    return this.requirements.length === 0;
  }
  matches(labels: Record<string, string> | undefined): boolean {
    return this.requirements.every((r) => requirementMatches(r, labels));
  }
  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }
}

/** labels.Parse. Throws SelectorParseError with kube-apiserver's message. */
export function parseLabelSelector(s: string): LabelSelector {
  const reqs = new LabelParser(new Lexer(s)).parse();
  // sort.Sort(ByKey(items)); insertion sort for small inputs, i.e. stable
  const sorted = reqs
    .map((r, i) => ({ r, i }))
    .sort((a, b) => compareGoStrings(a.r.key, b.r.key) || a.i - b.i)
    .map((x) => x.r);
  return new InternalLabelSelector(sorted);
}

// ---------------------------------------------------------------------------
// Field selectors
// ---------------------------------------------------------------------------

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  matches(fields: Record<string, string>): boolean;
  readonly empty: boolean;
  /** In the order fields.ParseSelector sorts the terms (byte-wise on the raw term text). */
  requirements: FieldRequirement[];
  /** fields.Selector.RequiresExactMatch: the value a `field=value` term demands, if any. */
  requiresExactMatch(field: string): string | undefined;
  toString(): string;
}

/** splitTerms: split on unescaped commas, keeping escapes in the terms. */
function splitTerms(fieldSelector: string): string[] {
  if (fieldSelector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < fieldSelector.length; i++) {
    const c = fieldSelector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(fieldSelector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(fieldSelector.slice(start));
  return terms;
}

const termOperators = ['!=', '==', '='] as const;

function splitTerm(term: string): { lhs: string; op: (typeof termOperators)[number]; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of termOperators) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/** fields.UnescapeValue. */
function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let v = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') v += c;
      else throw new SelectorParseError(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    // UnescapedRune{r}.Error() formats the rune with %v: its decimal code point.
    else if (c === ',' || c === '=') throw new SelectorParseError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else v += c;
  }
  if (inSlash) throw new SelectorParseError('invalid field selector: invalid escape sequence: \\');
  return v;
}

/** fields.EscapeValue. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

class InternalFieldSelector implements FieldSelector {
  constructor(public requirements: FieldRequirement[]) {}
  get empty(): boolean {
    return this.requirements.length === 0;
  }
  matches(fields: Record<string, string>): boolean {
    return this.requirements.every((r) => {
      const actual = Object.hasOwn(fields, r.field) ? fields[r.field] : '';
      return r.op === '=' ? actual === r.value : actual !== r.value;
    });
  }
  requiresExactMatch(field: string): string | undefined {
    for (const r of this.requirements) if (r.op === '=' && r.field === field) return r.value;
    return undefined;
  }
  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.op}${escapeFieldValue(r.value)}`).join(',');
  }
}

/**
 * fields.ParseSelector followed by the kind's field label conversion: a field not in
 * `supported` fails with "field label not supported: <field>" (terms are checked in the
 * sorted order ParseSelector leaves them in, so the first unsupported one is reported).
 */
export function parseFieldSelector(s: string, supported: readonly string[]): FieldSelector {
  const parts = splitTerms(s).sort(compareGoStrings);
  const reqs: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (!t) throw new SelectorParseError(`invalid selector: '${s}'; can't understand '${part}'`);
    const value = unescapeValue(t.rhs);
    reqs.push({ field: t.lhs, op: t.op === '!=' ? '!=' : '=', value });
  }
  for (const r of reqs) {
    if (!supported.includes(r.field)) throw new SelectorParseError(`field label not supported: ${r.field}`);
  }
  return new InternalFieldSelector(reqs);
}

// pkg/apis/core/v1/conversion.go: AddFieldLabelConversionsForService
export const serviceFieldLabels: readonly string[] = Object.freeze(['metadata.namespace', 'metadata.name', 'spec.clusterIP', 'spec.type']);
// AddFieldLabelConversionsForNamespace
export const namespaceFieldLabels: readonly string[] = Object.freeze(['status.phase', 'metadata.name']);
// AddFieldLabelConversionsForEvent
export const eventFieldLabels: readonly string[] = Object.freeze([
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
  'metadata.namespace',
  'metadata.name',
]);

/** pkg/registry/core/service/strategy.go SelectableFields. */
export function serviceFields(svc: { metadata?: { name?: string; namespace?: string }; spec?: { clusterIP?: string; type?: string } }): Record<string, string> {
  return {
    'metadata.name': svc.metadata?.name ?? '',
    'metadata.namespace': svc.metadata?.namespace ?? '',
    'spec.clusterIP': svc.spec?.clusterIP ?? '',
    'spec.type': svc.spec?.type ?? '',
  };
}

/** pkg/registry/core/namespace/strategy.go NamespaceToSelectableFields (including the legacy "name"). */
export function namespaceFields(ns: { metadata?: { name?: string }; status?: { phase?: string } }): Record<string, string> {
  return {
    'metadata.name': ns.metadata?.name ?? '',
    'status.phase': ns.status?.phase ?? '',
    name: ns.metadata?.name ?? '',
  };
}

/**
 * pkg/registry/core/event/strategy.go ToSelectableFields: `source` falls back to the
 * reportingComponent for events written through events.k8s.io, which set no source.
 */
export function eventFields(ev: {
  metadata?: { name?: string; namespace?: string };
  involvedObject?: { kind?: string; namespace?: string; name?: string; uid?: string; apiVersion?: string; resourceVersion?: string; fieldPath?: string };
  reason?: string;
  source?: { component?: string };
  reportingComponent?: string;
  type?: string;
}): Record<string, string> {
  const io = ev.involvedObject ?? {};
  return {
    'involvedObject.kind': io.kind ?? '',
    'involvedObject.namespace': io.namespace ?? '',
    'involvedObject.name': io.name ?? '',
    'involvedObject.uid': io.uid ?? '',
    'involvedObject.apiVersion': io.apiVersion ?? '',
    'involvedObject.resourceVersion': io.resourceVersion ?? '',
    'involvedObject.fieldPath': io.fieldPath ?? '',
    reason: ev.reason ?? '',
    reportingComponent: ev.reportingComponent ?? '',
    source: ev.source?.component || ev.reportingComponent || '',
    type: ev.type ?? '',
    'metadata.name': ev.metadata?.name ?? '',
    'metadata.namespace': ev.metadata?.namespace ?? '',
  };
}
