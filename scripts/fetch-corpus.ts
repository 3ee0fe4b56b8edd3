/**
 * Fetches the benign web-application corpus for the web-shell engine's false-positive test
 * and benchmark (WS-1): real PHP, JSP and web applications from Debian's archive, unpacked
 * without installing them (`apt-get download` + `dpkg-deb -x`, no maintainer scripts run).
 * Idempotent: a package already unpacked is kept. Prints the corpus directory.
 *
 *   node scripts/fetch-corpus.ts [--dir DIR] [--quiet]
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

/** Legitimate applications and libraries, chosen for size and for code that looks like a shell's (eval, system calls, file managers, encoded blobs). */
export const BENIGN_PACKAGES = [
  "mediawiki", "phpmyadmin", "wordpress", "dokuwiki", "adminer", "roundcube-core", "roundcube-plugins",
  "tomcat10-examples", "php-tcpdf", "php-phpseclib3", "php-symfony-console", "php-symfony-process",
  "php-symfony-http-foundation", "php-twig", "php-guzzlehttp-guzzle", "php-monolog", "libphp-phpmailer",
  "php-getid3", "php-league-commonmark", "php-pear", "php-composer-xdebug-handler",
  "icingaweb2", "cacti", "php-horde-util", "php-laravel-framework", "php-doctrine-dbal", "php-htmlpurifier", "mono-xsp4",
  "asp.net-examples", "tomcat10-admin", "tomcat10-docs",
];

export const DEFAULT_CORPUS_DIR = resolve(import.meta.dirname, "..", ".cache", "corpus", "benign");

export function fetchCorpus(dir = DEFAULT_CORPUS_DIR, packages = BENIGN_PACKAGES, quiet = false): { dir: string; packages: string[]; missing: string[] } {
  mkdirSync(dir, { recursive: true });
  const debs = join(dir, "..", "debs");
  mkdirSync(debs, { recursive: true });
  const have: string[] = [];
  const missing: string[] = [];
  let updated = false;
  for (const pkg of packages) {
    const target = join(dir, pkg);
    if (existsSync(target)) {
      have.push(pkg);
      continue;
    }
    try {
      const download = () => execFileSync("apt-get", ["download", "-q", "-o", "APT::Sandbox::User=root", pkg], { cwd: debs, stdio: quiet ? "ignore" : ["ignore", "ignore", "inherit"] });
      try {
        download();
      } catch (e) {
        // a fresh machine may have no package lists yet: read them once, then try again
        if (updated || process.getuid?.() !== 0) throw e;
        updated = true;
        execFileSync("apt-get", ["update", "-qq"], { stdio: quiet ? "ignore" : ["ignore", "ignore", "inherit"] });
        download();
      }
      const deb = readdirSync(debs).find((f) => f.startsWith(`${pkg}_`) && f.endsWith(".deb"));
      if (!deb) throw new Error("no .deb after download");
      const tmp = `${target}.tmp`;
      rmSync(tmp, { recursive: true, force: true });
      execFileSync("dpkg-deb", ["-x", join(debs, deb), tmp]);
      renameSync(tmp, target);
      have.push(pkg);
    } catch (e) {
      missing.push(pkg);
      if (!quiet) console.error(`fetch-corpus: ${pkg}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  return { dir, packages: have, missing };
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const i = args.indexOf("--dir");
  const r = fetchCorpus(i >= 0 ? resolve(args[i + 1]!) : DEFAULT_CORPUS_DIR, BENIGN_PACKAGES, args.includes("--quiet"));
  console.log(`${r.dir}: ${r.packages.length} packages${r.missing.length ? `, missing: ${r.missing.join(", ")}` : ""}`);
}
