/**
 * msw handler factories for the EC2 Query API (form-encoded POST, XML answers) and CloudWatch (JSON 1.0).
 * Every request is recorded in `calls`, so tests can assert what the real SDK sent.
 */
import { http, HttpResponse, type HttpHandler } from 'msw';
import { fixture } from './fixtures.js';

export interface Ec2Call {
  region: string;
  action: string;
  form: Record<string, string>;
  at: number;
}

export type Ec2Route = (form: Record<string, string>, call: Ec2Call) => Response | Promise<Response>;

export function xml(body: string, status = 200, headers: Record<string, string> = {}): Response {
  const doc = body.trimStart().startsWith('<?xml') ? body : `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
  return new HttpResponse(doc, { status, headers: { 'content-type': 'text/xml;charset=UTF-8', ...headers } });
}

export function ec2Error(code: string, message: string, status: number, requestId = 'req-00000000-aaaa'): Response {
  // EC2 sends the request id both in the body and in the x-amzn-requestid header (the SDK reads the header).
  return xml(`<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`, status, {
    'x-amzn-requestid': requestId,
  });
}

/** EC2's answer to a DryRun request that would have succeeded (HTTP 412, the recorded jclouds body). */
export const dryRunOk = () => xml(fixture('aws/Error.DryRunOperation.jclouds.xml'), 412, { 'x-amzn-requestid': '344ef005-e34b-42fb-a334-1180fe317e7c' });

/** A fixture document with a `<nextToken>` added before its closing root element (EC2 pages that way). */
export function withNextToken(doc: string, token: string): string {
  return doc.replace(/(<\/[A-Za-z]+Response>\s*)$/, `<nextToken>${token}</nextToken>$1`);
}

export const ec2Fixture = (name: string) => xml(fixture(`aws/${name}`));

/**
 * One handler for one region's EC2 endpoint, routing on the Action form field; unknown actions fail the test.
 * `url` replaces the public regional endpoint (for endpoint-override tests).
 */
export function ec2(region: string, routes: Record<string, Ec2Route>, calls: Ec2Call[] = [], url = `https://ec2.${region}.amazonaws.com/`): HttpHandler {
  return http.post(url, async ({ request }) => {
    const form = Object.fromEntries(new URLSearchParams(await request.text()));
    const action = form.Action ?? '?';
    const call = { region, action, form, at: performance.now() };
    calls.push(call);
    const route = routes[action];
    if (!route) return ec2Error('InvalidAction', `no msw route for ${action} in ${region}`, 400);
    return route(form, call);
  });
}

/** Serves `docs` in order, following NextToken: page i carries token `p{i+1}` unless it is the last. */
export function paged(docs: string[]): Ec2Route {
  return (form) => {
    const i = form.NextToken ? Number(form.NextToken.slice(1)) : 0;
    const doc = docs[i];
    if (doc === undefined) return ec2Error('InvalidParameterValue', `bad NextToken ${form.NextToken}`, 400);
    return xml(i < docs.length - 1 ? withNextToken(doc, `p${i + 1}`) : doc);
  };
}

/** Minimal DescribeInstances page for generated estates (benchmark, contract suite). */
export function describeInstancesXml(
  instances: { id: string; type: string; state?: string; zone: string; name?: string; volumeId?: string; owner?: string }[],
  nextToken?: string,
): string {
  const codes: Record<string, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };
  const items = instances
    .map(
      (i) => `<item><reservationId>r-${i.id.slice(2)}</reservationId><ownerId>${i.owner ?? '111122223333'}</ownerId><groupSet/><instancesSet><item>
<instanceId>${i.id}</instanceId><imageId>ami-0123456789abcdef0</imageId><instanceState><code>${codes[i.state ?? 'running']}</code><name>${i.state ?? 'running'}</name></instanceState>
<instanceType>${i.type}</instanceType><launchTime>2024-01-02T03:04:05.000Z</launchTime><placement><availabilityZone>${i.zone}</availabilityZone></placement>
<privateIpAddress>10.0.0.${(i.id.length * 7) % 250}</privateIpAddress><rootDeviceName>/dev/xvda</rootDeviceName>
<blockDeviceMapping>${i.volumeId ? `<item><deviceName>/dev/xvda</deviceName><ebs><volumeId>${i.volumeId}</volumeId><status>attached</status></ebs></item>` : ''}</blockDeviceMapping>
<tagSet>${i.name ? `<item><key>Name</key><value>${i.name}</value></item>` : ''}</tagSet></item></instancesSet></item>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>gen</requestId><reservationSet>${items}</reservationSet>${nextToken ? `<nextToken>${nextToken}</nextToken>` : ''}</DescribeInstancesResponse>`;
}

export function describeVolumesXml(volumes: { id: string; sizeGiB: number; encrypted: boolean }[], nextToken?: string): string {
  const items = volumes
    .map((v) => `<item><volumeId>${v.id}</volumeId><size>${v.sizeGiB}</size><status>in-use</status><volumeType>gp3</volumeType><encrypted>${v.encrypted}</encrypted></item>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<DescribeVolumesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>gen</requestId><volumeSet>${items}</volumeSet>${nextToken ? `<nextToken>${nextToken}</nextToken>` : ''}</DescribeVolumesResponse>`;
}

export const emptyVolumes: Ec2Route = () => xml(describeVolumesXml([]));

/** CloudWatch (awsJson1_0): POST / with X-Amz-Target GraniteServiceVersion20100801.<Operation>. */
export function cloudwatch(region: string, routes: Record<string, (body: any) => Response | Promise<Response>>, calls: { region: string; op: string; body: any }[] = []): HttpHandler {
  return http.post(`https://monitoring.${region}.amazonaws.com/`, async ({ request }) => {
    const op = (request.headers.get('x-amz-target') ?? '').split('.').pop() ?? '?';
    const body = await request.json();
    calls.push({ region, op, body });
    const route = routes[op];
    if (!route) return HttpResponse.json({ __type: 'InvalidAction', message: `no msw route for ${op}` }, { status: 400 });
    return route(body);
  });
}
