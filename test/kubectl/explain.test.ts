// `kubectl explain` against a real svcplane process: kubectl 1.33 reads /openapi/v3 (the index,
// then /openapi/v3/api/v1) and prints KIND, VERSION, DESCRIPTION and FIELDS from it; with
// --output=plaintext-openapiv2 it reads /openapi/v2 as protobuf instead. The descriptions are
// ours, so they are compared with the served document rather than written out here.
//
// Run: npm run build && node --import tsx --test test/kubectl/explain.test.ts
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kubectlHome, kubectlSkip, runKubectl, showRun, startServerProcess, type KubectlHome, type Run, type ServerProcess } from '../support/kubectl.js';

const skip = kubectlSkip('the kubectl explain suite');

type Schema = { description?: string; properties?: Record<string, Schema>; allOf?: Schema[]; items?: Schema };

/** Words of a text, so kubectl's line wrapping and indentation do not matter. */
const words = (s: string) => s.split(/\s+/).filter(Boolean).join(' ');

describe('kubectl explain', { skip }, () => {
  let server: ServerProcess;
  let home: KubectlHome;
  let dir: string;
  let schemas: Record<string, Schema>;
  const kubectl = (...args: string[]): Promise<Run> => runKubectl(server.url, args, { env: home.env });
  const schema = (name: string) => schemas[`io.k8s.api.core.v1.${name}`];

  async function explain(...args: string[]): Promise<string> {
    const r = await kubectl('explain', ...args);
    assert.equal(r.code, 0, showRun(['explain', ...args], r));
    assert.equal(r.stderr, '', showRun(['explain', ...args], r));
    return r.stdout;
  }

  /** The `name <type>` lines of a FIELDS section (two-space indent, a tab before the type). */
  const fieldLines = (out: string) =>
    out
      .split('\n')
      .filter((l) => /^ {2,3}\S+\t</.test(l))
      .map((l) => l.trim());

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'svcplane-explain-'));
    home = kubectlHome();
    server = await startServerProcess(join(dir, 'svcplane.db'));
    const doc = (await (await fetch(`${server.url}/openapi/v3/api/v1`)).json()) as { components: { schemas: Record<string, Schema> } };
    schemas = doc.components.schemas;
  });
  after(async () => {
    await server?.stop();
    home?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  test("kubectl explain service: KIND, VERSION, DESCRIPTION and FIELDS with each field's type and description", async () => {
    const out = await explain('service');
    const [head, fields] = out.split('FIELDS:\n');
    assert.match(head, /^KIND: {7}Service\nVERSION: {4}v1\n\nDESCRIPTION:\n/);
    assert.equal(words(head.split('DESCRIPTION:\n')[1]), words(schema('Service').description!));
    assert.deepEqual(fieldLines(fields), [
      'apiVersion\t<string>',
      'kind\t<string>',
      'metadata\t<ObjectMeta>',
      'spec\t<ServiceSpec>',
      'status\t<ServiceStatus>',
    ]);
    const blocks = fields
      .trimEnd()
      .split('\n\n')
      .map((b) => b.split('\n'));
    for (const [line, ...description] of blocks) {
      const name = line.trim().split('\t')[0];
      assert.equal(words(description.join(' ')), words(schema('Service').properties![name].description!), `description of ${name}`);
    }
  });

  test('kubectl explain service.spec.ports: the list type, enums, IntOrString and required fields', async () => {
    const out = await explain('service.spec.ports');
    assert.match(out, /^KIND: {7}Service\nVERSION: {4}v1\n\nFIELD: ports <\[\]ServicePort>\n\n\nDESCRIPTION:\n/);
    const description = out.split('DESCRIPTION:\n')[1].split('FIELDS:\n')[0];
    assert.equal(words(description), words(`${schema('ServiceSpec').properties!.ports.description} ${schema('ServicePort').description}`));
    assert.deepEqual(fieldLines(out), [
      'appProtocol\t<string>',
      'name\t<string>',
      'nodePort\t<integer>',
      'port\t<integer> -required-',
      'protocol\t<string>',
      'targetPort\t<IntOrString>',
    ]);
    assert.match(out, /^ {2}protocol\t<string>\n {2}enum: SCTP, TCP, UDP\n/m);
  });

  test('kubectl explain service.spec.type lists the enum values', async () => {
    const out = await explain('svc.spec.type');
    assert.match(
      out,
      /^KIND: {7}Service\nVERSION: {4}v1\n\nFIELD: type <string>\nENUM:\n {4}ClusterIP\n {4}ExternalName\n {4}LoadBalancer\n {4}NodePort\n\nDESCRIPTION:\n/,
    );
  });

  test('kubectl explain --recursive service.status walks the nested types', async () => {
    const out = await explain('--recursive', 'service.status');
    assert.match(out, /^FIELDS:\n {2}conditions\t<\[\]Condition>\n {4}lastTransitionTime\t<string> -required-\n/m);
    assert.match(
      out,
      /^ {2}loadBalancer\t<LoadBalancerStatus>\n {4}ingress\t<\[\]LoadBalancerIngress>\n {6}hostname\t<string>\n {6}ip\t<string>\n {6}ipMode\t<string>\n {6}enum: Proxy, VIP\n {6}ports\t<\[\]PortStatus>\n/m,
    );
  });

  test('kubectl explain of a field that does not exist', async () => {
    const r = await kubectl('explain', 'service.spec.nope');
    assert.equal(r.code, 1, showRun(['explain', 'service.spec.nope'], r));
    assert.equal(r.stderr, 'error: field "nope" does not exist\n');
  });

  test('kubectl explain namespaces and events', async () => {
    assert.match(await explain('ns'), /^KIND: {7}Namespace\nVERSION: {4}v1\n/);
    assert.match(await explain('events.involvedObject'), /^KIND: {7}Event\nVERSION: {4}v1\n\nFIELD: involvedObject <ObjectReference>\n/);
  });

  test('kubectl explain --output=plaintext-openapiv2 reads the Swagger 2.0 document (as protobuf)', async () => {
    const out = await explain('--output=plaintext-openapiv2', 'service.spec');
    assert.match(out, /^KIND: {5}Service\nVERSION: {2}v1\n\nRESOURCE: spec <Object>\n\nDESCRIPTION:\n/);
    const description = out.split('DESCRIPTION:\n')[1].split('FIELDS:\n')[0];
    assert.equal(words(description), words(`${schema('Service').properties!.spec.description} ${schema('ServiceSpec').description}`));
    const fields = out
      .split('FIELDS:\n')[1]
      .split('\n')
      .filter((l) => /^ {3}\S/.test(l))
      .map((l) => l.trim());
    assert.deepEqual(fields.slice(0, 3), ['allocateLoadBalancerNodePorts\t<boolean>', 'clusterIP\t<string>', 'clusterIPs\t<[]string>']);
    assert.ok(fields.includes('ports\t<[]Object>'), fields.join('\n'));
    assert.ok(fields.includes('selector\t<map[string]string>'), fields.join('\n'));
    assert.ok(fields.includes('sessionAffinityConfig\t<Object>'), fields.join('\n'));
    const port = await explain('--output=plaintext-openapiv2', 'service.spec.ports.port');
    assert.match(port, /^KIND: {5}Service\nVERSION: {2}v1\n\nFIELD: {4}port <integer>\n\nDESCRIPTION:\n/);
  });
});
