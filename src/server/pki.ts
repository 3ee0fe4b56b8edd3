import forge from "node-forge";
import { generateKeyPairSync, X509Certificate, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import { hostname, networkInterfaces } from "node:os";
import { join } from "node:path";
import { isIP } from "node:net";

export interface Pki {
  caCertPem: string;
  certPem: string;
  keyPem: string;
  /** SHA-256 of the CA certificate (DER), lower-case hex without colons; enrolment tokens carry it. */
  caFingerprint: string;
}

export function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256.replaceAll(":", "").toLowerCase();
}

function keyPair(): { pub: forge.pki.PublicKey; priv: forge.pki.PrivateKey; privPem: string } {
  // node:crypto generates the key (fast, native); forge only builds and signs the certificates
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
  return { pub: forge.pki.publicKeyFromPem(publicKey), priv: forge.pki.privateKeyFromPem(privateKey), privPem: privateKey };
}

function serial(): string {
  const b = randomBytes(16);
  b[0]! &= 0x7f; // positive
  return b.toString("hex");
}

/** Names and addresses of this machine, for the server certificate. */
export function localAltNames(): string[] {
  const out = new Set<string>(["localhost", hostname(), "127.0.0.1", "::1"]);
  for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) out.add(a.address.split("%")[0]!);
  return [...out];
}

/**
 * The agent channel's PKI: a CA made on first start (kept in <dataDir>/pki) and a server
 * certificate it signs. Agents pin the CA by the fingerprint in their enrolment token.
 */
export function ensurePki(dataDir: string, extraAltNames: string[] = []): Pki {
  const dir = join(dataDir, "pki");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caCrt = join(dir, "ca.crt"), caKey = join(dir, "ca.key"), crt = join(dir, "server.crt"), key = join(dir, "server.key"), names = join(dir, "server.names");
  if (!existsSync(caCrt) || !existsSync(caKey)) {
    const k = keyPair();
    const c = forge.pki.createCertificate();
    c.publicKey = k.pub;
    c.serialNumber = serial();
    c.validity.notBefore = new Date(Date.now() - 3600_000);
    c.validity.notAfter = new Date(Date.now() + 20 * 365 * 86_400_000);
    const attrs = [{ name: "commonName", value: `Hostward CA ${hostname()}` }, { name: "organizationName", value: "Hostward" }];
    c.setSubject(attrs);
    c.setIssuer(attrs);
    c.setExtensions([{ name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true }, { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true }, { name: "subjectKeyIdentifier" }]);
    c.sign(k.priv as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
    writeFileSync(caKey, k.privPem, { mode: 0o600 });
    writeFileSync(caCrt, forge.pki.certificateToPem(c));
  }
  const wanted = [...new Set([...localAltNames(), ...extraAltNames])].sort();
  const have = existsSync(names) ? readFileSync(names, "utf8") : "";
  if (!existsSync(crt) || !existsSync(key) || have !== wanted.join("\n")) {
    const ca = forge.pki.certificateFromPem(readFileSync(caCrt, "utf8"));
    const caPriv = forge.pki.privateKeyFromPem(readFileSync(caKey, "utf8"));
    const k = keyPair();
    const c = forge.pki.createCertificate();
    c.publicKey = k.pub;
    c.serialNumber = serial();
    c.validity.notBefore = new Date(Date.now() - 3600_000);
    c.validity.notAfter = new Date(Date.now() + 2 * 365 * 86_400_000);
    c.setSubject([{ name: "commonName", value: hostname() }]);
    c.setIssuer(ca.subject.attributes);
    c.setExtensions([
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: wanted.map((n) => (isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })) },
    ]);
    c.sign(caPriv as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
    writeFileSync(key, k.privPem, { mode: 0o600 });
    writeFileSync(crt, forge.pki.certificateToPem(c));
    writeFileSync(names, wanted.join("\n"));
  }
  chmodSync(caKey, 0o600);
  const caCertPem = readFileSync(caCrt, "utf8");
  return { caCertPem, certPem: readFileSync(crt, "utf8"), keyPem: readFileSync(key, "utf8"), caFingerprint: fingerprintOf(caCertPem) };
}
