// China Chopper: the server side is one short line that evaluates a request parameter;
// the client sends the whole payload. Written for Hostward (WS-8).

rule china_chopper_php {
  meta:
    description = "China Chopper server: a short PHP file that evaluates a request parameter"
    family = "China Chopper"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $eval = /(eval|assert)\s{0,8}\(\s{0,8}@?\s{0,4}\$_(POST|GET|REQUEST|COOKIE)\s{0,4}[\[{]/ nocase
    $ctx_open = "<?" ascii
  condition:
    filesize < 4KB and $ctx_open and $eval
}

rule china_chopper_asp {
  meta:
    description = "China Chopper server: a short classic ASP file that executes a request parameter"
    family = "China Chopper"
    severity = "malicious"
    languages = "asp"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $exec = /[\s:%>;(](eval|execute|executeglobal)[\s(]{1,8}request\s{0,4}(\.\s{0,2}(form|querystring|item)\s{0,4})?\(/ nocase
    $ctx_open = "<%" ascii
  condition:
    filesize < 4KB and $ctx_open and $exec
}

rule china_chopper_aspx {
  meta:
    description = "China Chopper server: a JScript.NET page that evaluates a request field with the unsafe flag"
    family = "China Chopper"
    severity = "malicious"
    languages = "aspx"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $eval = /eval\s{0,4}\(\s{0,4}Request\s{0,4}(\.\s{0,2}(Item|Form|QueryString)\s{0,2})?[\[(]/ nocase
    $unsafe = /,\s{0,4}["']unsafe["']\s{0,4}\)/ nocase
  condition:
    filesize < 8KB and $eval and $unsafe
}
