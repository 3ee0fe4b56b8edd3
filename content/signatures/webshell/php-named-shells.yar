// PHP shells that sign their own pages or code: ALFA, IndoXploit, p0wny, Weevely agents.
// Written for Hostward (WS-8).

rule alfa_shell {
  meta:
    description = "ALFA shell traits (its team banner and alfa* helpers)"
    family = "ALFA"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $banner = /ALFA\s{1,2}TEaM/ nocase
    $helper = /alfa(head|footer|ex|Login|cgishell|getperms|ReadFile)\w{0,20}\s{0,4}\(/ nocase
    $data = /\$_POST\s{0,2}\[\s{0,2}['"]alfa\d['"]\s{0,2}\]/ nocase
  condition:
    any of them
}

rule indoxploit_shell {
  meta:
    description = "IndoXploit shell traits"
    family = "IndoXploit"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $a = "IndoXploit" nocase
  condition:
    $a
}

rule p0wny_shell {
  meta:
    description = "p0wny@shell traits (single-file terminal shell)"
    family = "p0wny"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $name = "p0wny@shell" nocase
    $f1 = "featureShell(" ascii
    $f2 = "featureHint(" ascii
  condition:
    $name or ($f1 and $f2)
}

rule weevely_agent {
  meta:
    description = "Weevely-style agent: a marked blob is cut out of the request body, decrypted, inflated and evaluated"
    family = "Weevely"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $input = "php://input" nocase
    $cut = /preg_match\s{0,4}\(\s{0,4}["']\/\$\w{1,10}\(\.\+\)\$\w{1,10}\//
    $run = /eval\s{0,4}\(\s{0,4}@?\s{0,2}gzuncompress\s{0,4}\(/ nocase
    $out = "ob_get_contents" nocase
  condition:
    filesize < 16KB and $input and $cut and $run and $out
}

rule weevely_obfuscated_loader {
  meta:
    description = "A tiny file that rebuilds its code from str_replace-scrambled pieces and runs it through create_function"
    family = "Weevely"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $sr = /\$\w{1,6}\s{0,2}=\s{0,2}str_replace\s{0,2}\(\s{0,2}["'][^"'\n]{1,8}["']\s{0,2},\s{0,2}["']["']\s{0,2},/
    $cf = /(create_function|["']cr["']\s{0,2}\.)/ nocase
  condition:
    filesize < 8KB and #sr >= 3 and $cf
}
