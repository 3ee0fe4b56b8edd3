// JSP file-manager shells known by name (JspSpy and its copies). Written for Hostward (WS-8).

rule jspspy_shell {
  meta:
    description = "JspSpy-style file manager shell traits (its own name, or file management with command execution and an embedded login)"
    family = "JspSpy"
    severity = "malicious"
    languages = "jsp"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $name = "jspspy" nocase
    $list = /\.\s{0,2}listFiles\s{0,2}\(/
    $del = /\.\s{0,2}delete\s{0,2}\(\s{0,2}\)/
    $exec = /getRuntime\s{0,2}\(\s{0,2}\)\s{0,2}\.\s{0,2}exec\s{0,2}\(/
    $pass = /(session\s{0,2}\.\s{0,2}(getAttribute|setAttribute)\s{0,2}\(\s{0,2}"(pass|pwd|login)|String\s{1,2}(PW|PASS|PASSWORD)\s{0,2}=\s{0,2}")/
  condition:
    $name or ($list and $del and $exec and $pass)
}
