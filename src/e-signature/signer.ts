import { createHash } from 'node:crypto';
import forge from 'node-forge';
import { plainAddPlaceholder } from '@signpdf/placeholder-plain';
import signpdf from '@signpdf/signpdf';
import { Signer, SignPdfError } from '@signpdf/utils';

/** The subject of the certificate made when no SIGNING_P12_* is configured (demo, tests). */
export const DEMO_SUBJECT = 'Entraide — association (démonstration)';

export interface SigningIdentity {
  /** the PKCS#12 (private key + certificate chain) */
  p12: Buffer;
  passphrase: string;
}

interface Extracted {
  key: forge.pki.rsa.PrivateKey;
  certificate: forge.pki.Certificate;
  chain: forge.pki.Certificate[];
}

/**
 * node-forge reads a UTF-8 name of a certificate as raw bytes but writes it back encoding it once
 * more: the signer's issuer in the signature would then not match the certificate's (a name with
 * accents, like the demonstration one, would not validate). Decoding the names once restores them.
 */
function repairNames(cert: forge.pki.Certificate): void {
  for (const attrs of [cert.subject.attributes, cert.issuer.attributes]) {
    for (const attr of attrs) {
      if (attr.valueTagClass === (forge.asn1.Type.UTF8 as unknown) && typeof attr.value === 'string') {
        try {
          attr.value = forge.util.decodeUtf8(attr.value);
        } catch {
          // not UTF-8 bytes: leave it
        }
      }
    }
  }
}

function extract(identity: SigningIdentity): Extracted {
  const asn1 = forge.asn1.fromDer(forge.util.createBuffer(identity.p12.toString('binary')));
  const p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, identity.passphrase);
  const bags = (type: string | undefined): forge.pkcs12.Bag[] => (type ? (p12.getBags({ bagType: type })[type] ?? []) : []);
  const certBags = bags(forge.pki.oids.certBag);
  const keyBags = [...bags(forge.pki.oids.pkcs8ShroudedKeyBag), ...bags(forge.pki.oids.keyBag)];
  const key = keyBags[0]?.key;
  if (!key) throw new SignPdfError('Le certificat de signature ne contient pas de clé privée.', SignPdfError.TYPE_INPUT);
  const chain = certBags.map((b) => b.cert).filter((c): c is forge.pki.Certificate => c !== undefined);
  chain.forEach(repairNames);
  const certificate = chain.find((c) => {
    const pub = c.publicKey as forge.pki.rsa.PublicKey;
    return pub.n.compareTo(key.n) === 0 && pub.e.compareTo(key.e) === 0;
  });
  if (!certificate) throw new SignPdfError('Aucun certificat ne correspond à la clé privée.', SignPdfError.TYPE_INPUT);
  return { key, certificate, chain };
}

/**
 * A PKCS#7 detached signature (SHA-256, what Adobe's adbe.pkcs7.detached and pdfsig expect), made
 * like @signpdf/signer-p12's, with the names repaired (see repairNames).
 */
class ForgeP12Signer extends Signer {
  constructor(private readonly identity: SigningIdentity) {
    super();
  }

  override async sign(pdfBuffer: Buffer, signingTime?: Date): Promise<Buffer> {
    const { key, certificate, chain } = extract(this.identity);
    const p7 = forge.pkcs7.createSignedData();
    p7.content = forge.util.createBuffer(pdfBuffer.toString('binary'));
    for (const c of chain) p7.addCertificate(c);
    p7.addSigner({
      key,
      certificate,
      digestAlgorithm: forge.pki.oids.sha256!,
      authenticatedAttributes: [
        { type: forge.pki.oids.contentType!, value: forge.pki.oids.data },
        { type: forge.pki.oids.signingTime!, value: (signingTime ?? new Date()) as unknown as string },
        { type: forge.pki.oids.messageDigest! },
      ],
    });
    p7.sign({ detached: true });
    return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
  }
}

/** Signs a PDF made by pdfkit: a signature field added at the end of the file (incremental), then the signature. */
export async function signPdf(
  pdf: Buffer,
  identity: SigningIdentity,
  meta: { reason: string; name: string; location: string; contactInfo: string; signingTime: Date },
): Promise<Buffer> {
  const withPlaceholder = plainAddPlaceholder({
    pdfBuffer: pdf,
    reason: meta.reason,
    contactInfo: meta.contactInfo,
    name: meta.name,
    location: meta.location,
    signingTime: meta.signingTime,
    signatureLength: 16384,
    appName: 'Entraide',
  });
  return signpdf.sign(withPlaceholder, new ForgeP12Signer(identity), meta.signingTime);
}

/** The certificate of an identity: its subject's common name and SHA-256 fingerprint (shown in the evidence). */
export function describeIdentity(identity: SigningIdentity): { subject: string; fingerprintSha256: string; notAfter: Date } {
  const { certificate } = extract(identity);
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes();
  const cn = certificate.subject.getField('CN') as { value: string } | null;
  return {
    subject: cn?.value ?? '',
    fingerprintSha256: createHash('sha256').update(Buffer.from(der, 'binary')).digest('hex'),
    notAfter: certificate.validity.notAfter,
  };
}

/** A self-signed certificate for the demonstration and the tests (RSA 2048, 10 years), as a PKCS#12. */
export function selfSignedIdentity(now: Date, passphrase: string, subject = DEMO_SUBJECT): SigningIdentity {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(8))}`;
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + 10 * 365 * 24 * 3600_000);
  const attrs = [
    { name: 'commonName', value: subject, valueTagClass: forge.asn1.Type.UTF8 as unknown as number },
    { name: 'organizationName', value: 'Entraide' },
    { name: 'countryName', value: 'FR' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const p12 = forge.pkcs12.toPkcs12Asn1(keys.privateKey, [cert], passphrase, { algorithm: 'aes256' });
  return { p12: Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary'), passphrase };
}
