// JSP reverse shells: a socket whose streams are wired to a shell process. Written for Hostward (WS-8).

rule jsp_reverse_shell {
  meta:
    description = "A socket is wired to a shell process (reverse/bind shell)"
    family = "JSP back-connect shell"
    severity = "malicious"
    languages = "jsp"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $sock = /new\s{1,2}(java\.net\.)?(Server)?Socket\s{0,2}\(/
    $shell = /"(\/bin\/(ba)?sh|cmd(\.exe)?)"/
    $exec = /(getRuntime\s{0,2}\(\s{0,2}\)\s{0,2}\.\s{0,2}exec|new\s{1,2}ProcessBuilder)\s{0,2}\(/
    $pipe = /\.\s{0,2}getOutputStream\s{0,2}\(/
  condition:
    $sock and $shell and $exec and $pipe
}
