import { randomBytes } from 'node:crypto';
import forge from 'node-forge';

const { asn1 } = forge;
const SHA256_OID = '2.16.840.1.101.3.4.2.1';

/** An RFC 3161 TimeStampReq for a SHA-256 digest, with a nonce and the TSA's certificate asked for. */
export function timestampQuery(sha256: Buffer, nonce: Buffer = randomBytes(8)): Buffer {
  const nonceBytes = nonce[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), nonce]) : nonce;
  const req = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(1).getBytes()),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(SHA256_OID).getBytes()),
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
      ]),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, sha256.toString('binary')),
    ]),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, nonceBytes.toString('binary')),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BOOLEAN, false, String.fromCharCode(0xff)),
  ]);
  return Buffer.from(asn1.toDer(req).getBytes(), 'binary');
}

export interface TimestampToken {
  /** the TimeStampToken (a CMS SignedData), DER */
  token: Buffer;
  /** the TSA's time, ISO 8601 */
  genTime: string | null;
}

type Node = forge.asn1.Asn1;
const children = (n: Node | undefined): Node[] => (n && Array.isArray(n.value) ? n.value : []);

/** Reads a TimeStampResp: the token when granted (status 0 or 1), an error otherwise. */
export function parseTimestampResponse(der: Buffer): TimestampToken {
  const resp = asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
  const [statusInfo, token] = children(resp);
  const status = children(statusInfo)[0];
  const code = status ? asn1.derToInteger(forge.util.createBuffer(status.value as string)) : -1;
  if ((code !== 0 && code !== 1) || !token) throw new Error(`horodatage refusé par le service (statut ${code})`);
  const tokenDer = Buffer.from(asn1.toDer(token).getBytes(), 'binary');
  return { token: tokenDer, genTime: genTimeOf(token) };
}

/** ContentInfo → [0] SignedData → encapContentInfo → [0] OCTET STRING TSTInfo → genTime (5th field). */
function genTimeOf(token: Node): string | null {
  try {
    const signedData = children(children(token)[1])[0];
    const encap = children(signedData)[2];
    const explicit = children(encap)[1];
    const octets = children(explicit)[0];
    const raw =
      octets && typeof octets.value === 'string'
        ? octets.value
        : children(octets)
            .map((c) => c.value as string)
            .join('');
    const tstInfo = asn1.fromDer(forge.util.createBuffer(raw));
    const gen = children(tstInfo)[4];
    return gen ? asn1.generalizedTimeToDate(gen.value as string).toISOString() : null;
  } catch {
    return null;
  }
}

/** Asks the TSA at `url` to timestamp a SHA-256 digest (POST application/timestamp-query). */
export async function requestTimestamp(url: string, sha256: Buffer, timeoutMs = 10_000): Promise<TimestampToken> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
    body: timestampQuery(sha256),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`horodatage : le service a répondu ${res.status}`);
  return parseTimestampResponse(Buffer.from(await res.arrayBuffer()));
}
