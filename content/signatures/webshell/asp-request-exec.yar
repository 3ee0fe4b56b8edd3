// Classic ASP shells: request input executed as script, handed to WScript.Shell, or written
// to disk as a new page. Written for Hostward (WS-8).

rule asp_request_execute {
  meta:
    description = "Request input is executed as script (Execute/ExecuteGlobal/Eval of Request)"
    family = "ASP one-line backdoor"
    severity = "malicious"
    languages = "asp,aspx"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $exec = /[\s:%>;(](execute|executeglobal|eval)[\s(]{1,8}(unescape\s{0,2}\(\s{0,2})?request\s{0,4}(\.\s{0,2}(form|querystring|item|cookies)\s{0,4})?[(\[]/ nocase
  condition:
    $exec
}

rule asp_wscript_shell_command {
  meta:
    description = "WScript.Shell runs a command line built from the request (cmd.asp)"
    family = "ASP command shell"
    severity = "malicious"
    languages = "asp"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $ws = /CreateObject\s{0,2}\(\s{0,2}"WScript\.Shell"/ nocase
    $run = /\.\s{0,2}(exec|run)\s{0,4}[\s(][^\n]{0,160}request\s{0,4}(\.\s{0,2}(form|querystring|item)\s{0,4})?\(/ nocase
    $cat = /\.\s{0,2}(exec|run)\s{0,4}\(?\s{0,4}"(cmd(\.exe)?|powershell(\.exe)?|%comspec%)\s{1,4}\/c\s{0,4}"\s{0,4}&/ nocase
    $req = /request\s{0,4}(\.\s{0,2}(form|querystring|item)\s{0,4})?\(/ nocase
  condition:
    $ws and ($run or ($cat and $req))
}

rule asp_request_file_writer {
  meta:
    description = "Request input is written into a new file on the server (ASP page dropper)"
    family = "ASP uploader"
    severity = "malicious"
    languages = "asp"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $fso = /CreateTextFile\s{0,2}\(\s{0,2}(server\s{0,2}\.\s{0,2}mappath\s{0,2}\(\s{0,2})?request/ nocase
    $write = /\.\s{0,2}write(line)?[\s(]{1,4}request\s{0,4}(\.\s{0,2}(form|querystring|item)\s{0,4})?\(/ nocase
    $ctx = "Scripting.FileSystemObject" nocase
    $stream = /ADODB\.Stream/ nocase
  condition:
    ($ctx or $stream) and ($fso or $write)
}
