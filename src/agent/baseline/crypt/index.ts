/**
 * Local verification of crypt(3) password hashes in the formats Debian and RHEL
 * write to /etc/shadow. Everything runs in-process; hashes and candidate
 * passwords never leave the host.
 */
import bcrypt from "bcryptjs";
import { desVerify, DES_HASH_RE } from "./des-crypt.ts";
import { md5CryptVerify } from "./md5-crypt.ts";
import { shaCryptVerify } from "./sha-crypt.ts";
import { parseYescrypt, yescryptSupported, yescryptVerify } from "./yescrypt.ts";

export type HashScheme = "yescrypt" | "sha512crypt" | "sha256crypt" | "md5crypt" | "bcrypt" | "descrypt" | "unknown";

const BCRYPT_RE = /^\$2[aby]?\$(\d\d)\$[./A-Za-z0-9]{53}$/;
/** bcrypt above this cost would take minutes per candidate in pure JS; treat as not testable. */
const BCRYPT_MAX_COST = 16;

/** Which crypt(3) scheme a shadow hash field uses (by its prefix; never inspects more than the format). */
export function schemeOf(hash: string): HashScheme {
  if (hash.startsWith("$y$")) return "yescrypt";
  if (hash.startsWith("$6$")) return "sha512crypt";
  if (hash.startsWith("$5$")) return "sha256crypt";
  if (hash.startsWith("$1$")) return "md5crypt";
  if (/^\$2[aby]?\$/.test(hash)) return "bcrypt";
  if (DES_HASH_RE.test(hash)) return "descrypt";
  return "unknown";
}

/**
 * Whether verifyPassword can judge this hash (known scheme, well-formed, parameters
 * this implementation computes). Cheap: parses, never hashes.
 */
export function isSupportedHash(hash: string): boolean {
  switch (schemeOf(hash)) {
    case "yescrypt": {
      const st = parseYescrypt(hash);
      return st !== null && st.hash.length === 43 && yescryptSupported(st.params);
    }
    case "sha512crypt":
    case "sha256crypt":
      return /^\$[56]\$(rounds=[1-9][0-9]*\$)?[^$:\n]*\$[./0-9A-Za-z]+$/.test(hash);
    case "md5crypt":
      return /^\$1\$[^$:\n]*\$[./0-9A-Za-z]{22}$/.test(hash);
    case "bcrypt": {
      const m = BCRYPT_RE.exec(hash);
      return m !== null && Number(m[1]) >= 4 && Number(m[1]) <= BCRYPT_MAX_COST;
    }
    case "descrypt":
      return true;
    default:
      return false;
  }
}

/**
 * Does `password` produce `hash`? Null when the scheme (or its parameters) is not
 * supported here, so that callers can report the account as not judged.
 */
export function verifyPassword(password: string, hash: string): boolean | null {
  switch (schemeOf(hash)) {
    case "yescrypt":
      return yescryptVerify(password, hash);
    case "sha512crypt":
    case "sha256crypt":
      return shaCryptVerify(password, hash);
    case "md5crypt":
      return md5CryptVerify(password, hash);
    case "bcrypt":
      if (!isSupportedHash(hash)) return null;
      try {
        return bcrypt.compareSync(password, hash);
      } catch {
        return null;
      }
    case "descrypt":
      return desVerify(password, hash);
    default:
      return null;
  }
}
