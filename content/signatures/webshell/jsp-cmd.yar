// cmd.jsp and its kin: Runtime.exec/ProcessBuilder fed from request parameters.
// Written for Hostward (WS-8).

rule jsp_exec_request {
  meta:
    description = "Runtime.exec or ProcessBuilder runs a request parameter (cmd.jsp)"
    family = "JSP command shell"
    severity = "malicious"
    languages = "jsp"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $rt = /getRuntime\s{0,2}\(\s{0,2}\)\s{0,2}\.\s{0,2}exec\s{0,2}\(\s{0,4}(new\s{1,2}String\s{0,2}\[\s{0,2}\]\s{0,2}\{[^}\n]{0,80})?request\s{0,2}\.\s{0,2}getParameter/
    $pb = /new\s{1,2}ProcessBuilder\s{0,2}\(\s{0,4}(new\s{1,2}String\s{0,2}\[\s{0,2}\]\s{0,2}\{[^}\n]{0,80}|Arrays\s{0,2}\.\s{0,2}asList\s{0,2}\([^)\n]{0,80})?request\s{0,2}\.\s{0,2}getParameter/
    $sh = /\{\s{0,2}"(\/bin\/(ba)?sh|cmd(\.exe)?)"\s{0,2},\s{0,2}"(-c|\/c)"\s{0,2},\s{0,2}request\s{0,2}\.\s{0,2}getParameter/
  condition:
    any of them
}

rule jsp_exec_with_request_output {
  meta:
    description = "A JSP runs a process, reads its output and takes request parameters (command runner)"
    family = "JSP command shell"
    severity = "suspicious"
    score = 60
    languages = "jsp"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $exec = /(getRuntime\s{0,2}\(\s{0,2}\)\s{0,2}\.\s{0,2}exec|new\s{1,2}ProcessBuilder)\s{0,2}\(/
    $out = /\.\s{0,2}getInputStream\s{0,2}\(\s{0,2}\)/
    $req = /request\s{0,2}\.\s{0,2}getParameter\s{0,2}\(/
  condition:
    $exec and $out and $req
}
