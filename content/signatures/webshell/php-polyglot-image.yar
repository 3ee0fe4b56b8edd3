// PHP code behind an image header: uploaded "pictures" that run when included or when the
// server maps their extension to PHP. Written for Hostward (WS-8).

rule php_in_image_header {
  meta:
    description = "PHP code inside a file that starts with an image header (GIF/JPEG/PNG)"
    family = "PHP image polyglot"
    severity = "suspicious"
    score = 60
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $gif = "GIF89a" ascii
    $gif7 = "GIF87a" ascii
    $php = /<\?(php|=)/ nocase
  condition:
    ($gif at 0 or $gif7 at 0 or uint16be(0) == 0xFFD8 or uint32be(0) == 0x89504E47) and $php
}

rule php_image_with_exec {
  meta:
    description = "An image-headed file carries PHP code that evaluates or executes input"
    family = "PHP image polyglot"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $gif = "GIF8" ascii
    $php = /<\?(php|=)/ nocase
    $run = /(eval|assert|system|passthru|shell_exec|exec|popen|proc_open)\s{0,4}\(\s{0,4}@?\s{0,4}(base64_decode\s{0,2}\(\s{0,2})?\$_(POST|GET|REQUEST|COOKIE|FILES|SERVER)/ nocase
  condition:
    ($gif at 0 or uint16be(0) == 0xFFD8 or uint32be(0) == 0x89504E47) and $php and $run
}
