// Request input handed straight to a PHP process-execution function. Written for Hostward (WS-8).

rule php_request_exec {
  meta:
    description = "Request input is run as an operating-system command (system/exec/passthru/shell_exec/popen/proc_open)"
    family = "PHP command shell"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $exec = /[\s;{}(@!=,&|?](system|exec|passthru|shell_exec|popen|proc_open|pcntl_exec)\s{0,8}\(\s{0,8}@?\s{0,4}((base64_decode|stripslashes|urldecode|rawurldecode|trim|escapeshellcmd|str_rot13|hex2bin)\s{0,4}\(\s{0,4})?\$_(POST|GET|REQUEST|COOKIE)\s{0,4}[\[{]/ nocase
    $hdr = /[\s;{}(@!=,&|?](system|exec|passthru|shell_exec|popen|proc_open)\s{0,8}\(\s{0,8}@?\s{0,4}\$_SERVER\s{0,4}\[\s{0,4}['"]HTTP_/ nocase
    $tick = /(=|echo|print|\()\s{0,4}`\s{0,4}\$_(GET|POST|REQUEST|COOKIE)\s{0,4}\[[^`\n]{0,60}`/
  condition:
    any of them
}
