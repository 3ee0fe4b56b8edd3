// c99 and r57: the classic PHP file-manager/spy shells and their many descendants, known by
// the names they carry in their own code and pages. Written for Hostward (WS-8).

rule c99_shell {
  meta:
    description = "c99 shell traits (its own function, variable and banner names)"
    family = "c99"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $a = "c99shell" nocase
    $b = /\$c99sh_\w{2,30}/ nocase
    $c = /c99(get|ftp|fsearch|_buff|_sess)\w{0,20}\s{0,2}\(/ nocase
    $d = "c99sh_" nocase
  condition:
    any of them
}

rule r57_shell {
  meta:
    description = "r57 shell traits (its own names, banner and language table)"
    family = "r57"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $a = "r57shell" nocase
    $b = /r57\s{0,2}shell/ nocase
    $c = /\$r57_\w{2,30}/ nocase
  condition:
    any of them
}
