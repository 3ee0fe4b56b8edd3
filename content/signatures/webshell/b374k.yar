// b374k: a PHP shell distributed packed, with modules and resources kept in $GLOBALS.
// Written for Hostward (WS-8).

rule b374k_shell {
  meta:
    description = "b374k shell traits (its name, packed module loader and globals)"
    family = "b374k"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $name = "b374k" nocase
    $g1 = /\$GLOBALS\s{0,2}\[\s{0,2}['"]module['"]\s{0,2}\]\s{0,2}\[/
    $g2 = /\$GLOBALS\s{0,2}\[\s{0,2}['"]resources['"]\s{0,2}\]\s{0,2}\[/
    $g3 = /\$GLOBALS\s{0,2}\[\s{0,2}['"]module_to_load['"]\s{0,2}\]/
    $s_pass = /\$s_pass\s{0,2}=\s{0,2}['"][0-9a-f]{32,40}['"]/
    $s_func = /\$s_func\s{0,2}=\s{0,2}["']cr["']\s{0,2}\./
  condition:
    $name or ($g1 and $g2) or $g3 or ($s_pass and $s_func)
}
