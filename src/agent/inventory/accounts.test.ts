import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, writeFile, symlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { accountInventoryRecord, type InventoryAccount } from "../../protocol/index.ts";
import { execFileSync } from "node:child_process";
import { collectAccounts, isInteractiveShell, keyFingerprint, parseAuthorizedKeysLine, sshdAuthorizedKeysFiles } from "./accounts.ts";

// Generated once with `ssh-keygen -t … -N "" -f /tmp/x`; fingerprints are what `ssh-keygen -lf` printed.
const K1 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDfRsqZaAn3z4ThJ8icLGC+3gmoHNNSa+/RF1+gMqCAb";
const K1_FP = "SHA256:zlON/+t2IXeTuanYjrRwplghkQ6fzWitJT/KBGb1uqU";
const K2 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKPPR5tLn8Y/XVz7WSTxcgvT/oSLN39FZpfOBsg1WqMe";
const K2_FP = "SHA256:sLPiEoRlLATKRV7WshTD8qTZgXqS7bSbvKlZbXZltkQ";
const K3 = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBLozH0e8SLs+UP7zDOxWssSpYjEF0rBf2Y5BB3g+z0hjt6Y+RCukBGwl8IKzQybHTj2YVEsWNc5iU0c9mN6Eaq8=";
const K3_FP = "SHA256:cAKyo503gz2bH5mfuX8XtCU5f4u9ajeRGqB+7A0ZeRg";

const SECRETS = ["ROOTHASHsecret", "TOORHASHsecret", "ALICEHASHsecret", "BOBHASHsecret", "$6$", "$y$"];

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "hw-accounts-"));
  t.after(() => rm(d, { recursive: true, force: true }));
  return d;
}

async function put(root: string, path: string, content: string | Buffer): Promise<void> {
  const p = join(root, path);
  await mkdir(dirname(p), { recursive: true });
  await writeFile(p, content);
}

const PASSWD = `root:x:0:0:root:/root:/bin/bash
toor:x:0:0:backdoor:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
postgres:x:997:997:PostgreSQL:/var/lib/postgresql:/bin/bash
svc:x:998:998::/var/lib/svc:/bin/bash
alice:x:1000:1000:Alice:/home/alice:/bin/bash
bob:x:1001:1001::/home/bob:/usr/bin/zsh
eve:x:1002:1002::/home/eve:/bin/sh
carol:x:1003:1003::/home/carol:/bin/bash
bulk:x:1004:1004::/home/bulk:/bin/bash
far:x:1005:1005::/home/far:/bin/bash
loop:x:1006:1006::/home/loop:/bin/bash
link:x:1007:1007::/home/link:/bin/bash
nosh:x:1008:1008::/home/nosh:
broken line without fields
+nisuser::0:0:::
`;

const SHADOW = `root:$6$rootsalt$ROOTHASHsecret:19000:0:99999:7:::
toor:$y$j9T$toorsalt$TOORHASHsecret:19500:0:99999:7:::
daemon:*:18000:0:99999:7:::
www-data:*:18000:0:99999:7:::
postgres:!:19000:0:99999:7:::
svc:*:19000:0:99999:7:::
alice:$6$alicesalt$ALICEHASHsecret:19700:0:99999:7:::
bob:!$6$bobsalt$BOBHASHsecret:19000:0:99999:7:::
eve::0:0:99999:7:::
carol:!:19000::::::
bulk:!:19000::::::
far:!:19000::::::
loop:!:19000::::::
link:!:19000::::::
`;

const GROUP = `root:x:0:
sudo:x:27:alice
wheel:x:10:
admins:x:1500:carol
alice:x:1000:
`;

/** The fake host of most tests: Debian-like, with every case of AGT-7's brief in it. */
async function fakeRoot(root: string): Promise<void> {
  await put(root, "etc/passwd", PASSWD);
  await put(root, "etc/shadow", SHADOW);
  await put(root, "etc/group", GROUP);
  await put(root, "etc/login.defs", "# login.defs\nMAIL_DIR /var/mail\nUID_MIN\t\t\t 1000\nUID_MAX 60000\nSYS_UID_MIN 100\n");
  await put(root, "etc/sudoers", "Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n# nobody ALL=(ALL) ALL\n@includedir /etc/sudoers.d\n");
  await put(root, "etc/sudoers.d/bob", "bob ALL=(ALL) NOPASSWD: ALL\n");
  await put(root, "etc/sudoers.d/limited", "carol ALL=(root) /usr/bin/systemctl restart nginx\n");
  // sudo ignores names with a dot: this grant is not effective.
  await put(root, "etc/sudoers.d/old.conf", "www-data ALL=(ALL) ALL\n");
  await put(root, "usr/share/base-passwd/passwd.master", "root:*:0:0:root:/root:/bin/bash\ndaemon:*:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nwww-data:*:33:33:www-data:/var/www:/usr/sbin/nologin\n");
  await put(root, "etc/ssh/sshd_config", "# global\nInclude /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication no\nAuthorizedKeysFile .ssh/ignored_since_first_wins\n");
  await put(root, "etc/ssh/sshd_config.d/10-keys.conf", "AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/keys/%u\nMatch User alice\n  AuthorizedKeysFile /etc/ssh/match-only\n");

  await put(root, "root/.ssh/authorized_keys", `${K3} root@admin\n`);
  await put(root, "var/lib/svc/.ssh/authorized_keys2", `${K2} svc@somewhere\n`);
  await put(root, "home/alice/.ssh/authorized_keys", [
    "# alice's keys",
    "",
    `${K1} alice@laptop`,
    `command="echo \\"hi there\\"; exec $SHELL",no-pty,from="10.0.0.1" ${K2} deploy key`,
    "this is not a key at all",
    "ssh-ed25519 AAAA!!!notbase64 broken",
    `ssh-rsa ${K1.split(" ")[1]} type does not match blob`,
    `no-pty,command="unterminated ${K1} x`,
    `${K1.split(" ")[0]}`,
  ].join("\r\n"));
  await put(root, "etc/ssh/keys/carol", `${K1} carol-from-etc\n`);
  await put(root, "etc/ssh/match-only", `${K3} only-in-match\n`);
  // 2 MiB of valid keys: bounded to the first MiB and 200 keys.
  const line = `${K1} bulk\n`;
  await put(root, "home/bulk/.ssh/authorized_keys", line.repeat(Math.ceil((2 * 1024 * 1024) / line.length)));
  // A key after 2 MiB of padding is beyond the first MiB and not read.
  await put(root, "home/far/.ssh/authorized_keys", "#".repeat(100) + "\n".repeat(1) + ("# pad\n").repeat(2 * 1024 * 1024 / 6) + `${K2} far\n`);
  await mkdir(join(root, "home/loop/.ssh"), { recursive: true });
  await symlink("authorized_keys2", join(root, "home/loop/.ssh/authorized_keys"));
  await symlink("authorized_keys", join(root, "home/loop/.ssh/authorized_keys2"));
  await put(root, "srv/outside-keys", `${K2} linked\n`);
  await mkdir(join(root, "home/link/.ssh"), { recursive: true });
  await symlink(join(root, "srv/outside-keys"), join(root, "home/link/.ssh/authorized_keys"));
}

function byName(accounts: InventoryAccount[]): Map<string, InventoryAccount> {
  return new Map(accounts.map((a) => [a.name, a]));
}

test("AGT-7 key fingerprints are SHA256 of the blob exactly as ssh-keygen -lf prints them", () => {
  for (const [k, fp] of [[K1, K1_FP], [K2, K2_FP], [K3, K3_FP]] as const) {
    assert.equal(keyFingerprint(Buffer.from(k.split(" ")[1]!, "base64")), fp);
    assert.equal(parseAuthorizedKeysLine(k)?.fingerprint, fp);
  }
});

test("AGT-7 authorized_keys options before the key type are parsed, quotes included; malformed lines are skipped", () => {
  assert.deepEqual(parseAuthorizedKeysLine(`command="echo \\"a b\\" ssh-rsa x",no-pty ${K1} my key`), { type: "ssh-ed25519", fingerprint: K1_FP, comment: "my key" });
  assert.deepEqual(parseAuthorizedKeysLine(`no-pty\t${K2}`), { type: "ssh-ed25519", fingerprint: K2_FP });
  assert.deepEqual(parseAuthorizedKeysLine(`  ${K3}   spaced  comment  `), { type: "ecdsa-sha2-nistp256", fingerprint: K3_FP, comment: "spaced  comment" });
  for (const bad of ["", "# comment", "garbage", `command="open ${K1}`, "ssh-ed25519", "ssh-ed25519 AAAA", `ssh-dss ${K1.split(" ")[1]}`, `${K1} ${"x".repeat(20_000)}`]) {
    assert.equal(parseAuthorizedKeysLine(bad), null, bad.slice(0, 40));
  }
});

test("AGT-7 interactive shells: nologin/false/sync/halt/shutdown are not, bash/sh/zsh and an empty field (= /bin/sh) are", () => {
  for (const s of ["/usr/sbin/nologin", "/sbin/nologin", "/bin/false", "/usr/bin/false", "/bin/sync", "/sbin/halt", "/sbin/shutdown"]) assert.equal(isInteractiveShell(s), false, s);
  for (const s of ["/bin/bash", "/bin/sh", "/usr/bin/zsh", "/usr/bin/fish", ""]) assert.equal(isInteractiveShell(s), true, s);
});

test("AGT-7 uid-0 accounts and authorized keys are inventoried", async (t) => {
  const root = await tempDir(t);
  await fakeRoot(root);
  const inv = await collectAccounts({ root });
  assert.equal(inv.uidMin, 1000);
  const a = byName(inv.accounts);
  assert.deepEqual([...a.keys()], ["root", "toor", "daemon", "www-data", "postgres", "svc", "alice", "bob", "eve", "carol", "bulk", "far", "loop", "link", "nosh"]);

  const root0 = a.get("root")!;
  assert.equal(root0.uid, 0);
  assert.equal(root0.systemAccount, false);
  assert.equal(root0.password, "set");
  assert.equal(root0.passwordChanged, 19000 * 86_400_000);
  assert.deepEqual(root0.keys, [{ file: "/root/.ssh/authorized_keys", type: "ecdsa-sha2-nistp256", fingerprint: K3_FP, comment: "root@admin" }]);
  assert.equal(root0.sudo, true);

  const toor = a.get("toor")!;
  assert.equal(toor.uid, 0);
  assert.equal(toor.shell, "/bin/sh");
  assert.equal(toor.interactiveShell, true);
  assert.equal(toor.packaged, false);
  assert.equal(toor.keys[0]?.fingerprint, K3_FP, "shares root's home and so its keys");

  const alice = a.get("alice")!;
  assert.deepEqual(alice.keys, [
    { file: "/home/alice/.ssh/authorized_keys", type: "ssh-ed25519", fingerprint: K1_FP, comment: "alice@laptop" },
    { file: "/home/alice/.ssh/authorized_keys", type: "ssh-ed25519", fingerprint: K2_FP, comment: "deploy key" },
  ]);
  assert.equal(alice.sudo, true, "member of sudo");
  assert.equal(alice.systemAccount, false);
  assert.equal(alice.packaged, false);

  assert.deepEqual(a.get("svc")!.keys.map((k) => [k.file, k.fingerprint]), [["/var/lib/svc/.ssh/authorized_keys2", K2_FP]]);
  // AuthorizedKeysFile from an Included file (first value wins; the Match section is not global).
  assert.deepEqual(a.get("carol")!.keys.map((k) => [k.file, k.fingerprint, k.comment]), [["/etc/ssh/keys/carol", K1_FP, "carol-from-etc"]]);
  assert.ok(!inv.accounts.some((x) => x.keys.some((k) => k.comment === "only-in-match")));
  // Symlink to a file outside the home is read; a symlink loop is not an error.
  assert.deepEqual(a.get("link")!.keys.map((k) => k.fingerprint), [K2_FP]);
  assert.deepEqual(a.get("loop")!.keys, []);
});

test("AGT-7 a 2 MiB authorized_keys is read only in its first MiB and at most 200 keys per account", async (t) => {
  const root = await tempDir(t);
  await fakeRoot(root);
  const a = byName((await collectAccounts({ root })).accounts);
  assert.equal(a.get("bulk")!.keys.length, 200);
  assert.deepEqual(a.get("far")!.keys, []);
});

test("AGT-7 password state, shells, system accounts, sudo and packaged", async (t) => {
  const root = await tempDir(t);
  await fakeRoot(root);
  const a = byName((await collectAccounts({ root })).accounts);
  const pick = (n: string) => {
    const x = a.get(n)!;
    return [x.password, x.interactiveShell, x.systemAccount, x.packaged, x.sudo];
  };
  assert.deepEqual(pick("www-data"), ["locked", false, true, true, false], "from passwd.master; dotted sudoers.d file ignored");
  assert.deepEqual(pick("daemon"), ["locked", false, true, true, false]);
  assert.deepEqual(pick("postgres"), ["locked", true, true, true, false], "system account with bash but no keys and no usable password");
  assert.deepEqual(pick("svc"), ["locked", true, true, false, false], "system account with bash and keys, not in passwd.master");
  assert.deepEqual(pick("bob"), ["locked", true, false, false, true], "sudoers.d grant of ALL");
  assert.deepEqual(pick("eve"), ["empty", true, false, false, false]);
  assert.deepEqual(pick("carol"), ["locked", true, false, false, false], "a limited sudoers command is not ALL");
  assert.deepEqual(pick("nosh"), ["none", true, false, false, false], "no shadow entry; empty shell means /bin/sh");
  assert.equal(a.get("eve")!.passwordChanged, undefined, "0 = must change, not a date");
});

test("AGT-7 the inventory validates as an account_inventory record and carries no password hash", async (t) => {
  const root = await tempDir(t);
  await fakeRoot(root);
  const inv = await collectAccounts({ root });
  const rec = accountInventoryRecord.parse({ id: "inv-host-0001", kind: "account_inventory", ts: Date.now(), ...inv });
  assert.equal(rec.accounts.length, 15);
  const json = JSON.stringify(inv);
  for (const s of SECRETS) assert.ok(!json.includes(s), `serialized inventory contains ${s}`);
});

test("AGT-7 without a base-passwd or setup list packaged is left undefined; RHEL setup uidgid is used when present", async (t) => {
  const root = await tempDir(t);
  await fakeRoot(root);
  await rm(join(root, "usr/share/base-passwd"), { recursive: true });
  let inv = await collectAccounts({ root });
  assert.ok(inv.accounts.every((x) => x.packaged === undefined));

  await put(root, "usr/share/doc/setup-2.13.7/uidgid", "NAME\tUID\tGID\tHOME\tSHELL\tPACKAGES\nroot\t0\t0\t/root\t/bin/bash\tsetup\nsvc\t998\t998\t/var/lib/svc\t/bin/bash\tsvc-server\n");
  inv = await collectAccounts({ root });
  const a = byName(inv.accounts);
  assert.equal(a.get("svc")!.packaged, true, "listed by setup");
  assert.equal(a.get("root")!.packaged, true);
  assert.equal(a.get("toor")!.packaged, false);
  assert.equal(a.get("postgres")!.packaged, true);
});

test("AGT-7 missing or unreadable files are not errors; UID_MIN defaults to 1000", async (t) => {
  const root = await tempDir(t);
  assert.deepEqual(await collectAccounts({ root }), { uidMin: 1000, accounts: [] });
  await put(root, "etc/passwd", "solo:x:600:600::/home/solo:/bin/bash\n");
  await put(root, "etc/login.defs", "UID_MIN 500\n");
  const inv = await collectAccounts({ root });
  assert.equal(inv.uidMin, 500);
  assert.deepEqual(inv.accounts, [{ name: "solo", uid: 600, gid: 600, home: "/home/solo", shell: "/bin/bash", interactiveShell: true, password: "none", systemAccount: false, keys: [], sudo: false }]);
});

test("AGT-7 a password kept in passwd itself is judged there: empty field = empty password", async (t) => {
  const root = await tempDir(t);
  await put(root, "etc/passwd", "root:x:0:0::/root:/bin/bash\nhack::0:0::/root:/bin/bash\nold:$1$salt$OLDHASHsecret:1200:1200::/home/old:/bin/sh\n");
  await put(root, "etc/shadow", "root:*:19000::::::\nhack:$6$x$IGNOREDsecret:1::::::\n");
  const inv = await collectAccounts({ root });
  assert.deepEqual(inv.accounts.map((x) => [x.name, x.password]), [["root", "locked"], ["hack", "empty"], ["old", "set"]]);
  assert.ok(!JSON.stringify(inv).includes("secret"));
});

test("AGT-7 AuthorizedKeysFile: global value only, tokens %h %u %U %% and relative paths expanded per account", async (t) => {
  const root = await tempDir(t);
  assert.equal(await sshdAuthorizedKeysFiles(root), null, "no sshd_config");
  await put(root, "etc/ssh/sshd_config", "Port 22\nMatch User alice\nAuthorizedKeysFile /etc/ssh/match-only\n");
  assert.equal(await sshdAuthorizedKeysFiles(root), null, "a Match section is not global");
  await put(root, "etc/ssh/sshd_config", "AuthorizedKeysFile none\n");
  assert.deepEqual(await sshdAuthorizedKeysFiles(root), []);
  await put(root, "etc/ssh/sshd_config", 'authorizedkeysfile=keys/%u_%U "/srv/keys/100%%/%h/k" /etc/ssh/bad/%x\n');
  await put(root, "etc/passwd", "dave:x:1500:1500::/home/dave:/bin/bash\n");
  await put(root, "home/dave/keys/dave_1500", `${K1} rel\n`);
  await put(root, "srv/keys/100%/home/dave/k", `${K2} abs\n`);
  const inv = await collectAccounts({ root });
  assert.deepEqual(inv.accounts[0]!.keys.map((k) => [k.file, k.fingerprint]), [
    ["/home/dave/keys/dave_1500", K1_FP],
    ["/srv/keys/100%/home/dave/k", K2_FP],
  ]);
});

test("AGT-7 a FIFO planted as authorized_keys does not hang the inventory; .. in a home cannot leave root", async (t) => {
  const root = await tempDir(t);
  await put(root, "etc/passwd", "fifo:x:1500:1500::/home/fifo:/bin/bash\nclimb:x:1501:1501::/../../../home/fifo:/bin/bash\n");
  await put(root, "home/fifo/.ssh/authorized_keys2", `${K1} real\n`);
  try {
    execFileSync("mkfifo", [join(root, "home/fifo/.ssh/authorized_keys")]);
  } catch {
    t.skip("mkfifo not available");
    return;
  }
  const inv = await collectAccounts({ root });
  assert.deepEqual(inv.accounts.map((a) => a.keys.map((k) => k.fingerprint)), [[K1_FP], [K1_FP]]);
});
