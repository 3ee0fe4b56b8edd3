// ASP.NET shells: cmd.aspx (a process started with request input), assemblies loaded from
// request bytes, code compiled from the request. Written for Hostward (WS-8).

rule aspx_process_request {
  meta:
    description = "A process (cmd.exe/powershell/sh) is started with arguments from the request (cmd.aspx)"
    family = "ASPX command shell"
    severity = "malicious"
    languages = "aspx"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $start = /(Process\s{0,2}\.\s{0,2}Start\s{0,2}\(|ProcessStartInfo)/ nocase
    $shell = /(cmd\.exe|"cmd"|powershell|\/bin\/(ba)?sh)/ nocase
    $req = /Request\s{0,2}(\.\s{0,2}(Form|QueryString|Params|Item)\s{0,2})?\[/ nocase
    $arg = /(Arguments\s{0,2}=|Process\s{0,2}\.\s{0,2}Start\s{0,2}\([^;\n]{0,80},)[^;\n]{0,80}Request/ nocase
  condition:
    $start and $shell and ($arg or ($req and filesize < 16KB))
}

rule aspx_assembly_from_request {
  meta:
    description = "An assembly is loaded from request bytes (in-memory .NET loader)"
    family = "ASPX memory loader"
    severity = "malicious"
    languages = "aspx"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $load = /Assembly\s{0,2}\.\s{0,2}Load\s{0,2}\(/ nocase
    $body = /(Request\s{0,2}\.\s{0,2}(BinaryRead|InputStream)|FromBase64String\s{0,2}\(\s{0,2}(Context\s{0,2}\.\s{0,2})?Request)/ nocase
  condition:
    $load and $body
}

rule aspx_compile_request {
  meta:
    description = "Source code from the request is compiled and run (CodeDom compiler on request input)"
    family = "ASPX dynamic compiler"
    severity = "malicious"
    languages = "aspx"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $cc = /(CompileAssemblyFromSource|CSharpCodeProvider|VBCodeProvider|CSharpScript\s{0,2}\.\s{0,2}(Run|Evaluate)Async)/ nocase
    $req = /Request\s{0,2}(\.\s{0,2}(Form|QueryString|Params|Item)\s{0,2})?\[/ nocase
  condition:
    $cc and $req
}
