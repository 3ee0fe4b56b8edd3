// WSO ("Web Shell by oRb") and the FilesMan file manager it spread: an action dispatcher
// keyed by `a` with parameters p1..p3. Written for Hostward (WS-8).

rule wso_filesman {
  meta:
    description = "WSO / FilesMan web shell traits (FilesMan default action, action* dispatcher, wso* helpers)"
    family = "WSO / FilesMan"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $default = /default_action\s{0,4}=\s{0,4}['"]FilesMan['"]/ nocase
    $action = /action(FilesMan|FilesTools|SecInfo|StringTools|Bruteforce|SelfRemove)\s{0,4}\(/ nocase
    $helper = /wso(Login|Header|Footer|Ex|Perms|PermsColor|Scandir|WhichR|Viewsize|Recursive|setcookie)\s{0,4}\(/ nocase
    $fm = "FilesMan" ascii
    $p1 = /\$_POST\s{0,2}\[\s{0,2}['"]p1['"]\s{0,2}\]/
    $a = /\$_POST\s{0,2}\[\s{0,2}['"]a['"]\s{0,2}\]/
  condition:
    $default or $action or $helper or ($fm and $p1 and $a)
}
