// AntSword-style PHP servers: the one-liner behind an encoder (base64/rot13/hex of the request)
// or hidden in a class's magic method. Written for Hostward (WS-8).

rule antsword_php_decoded_request {
  meta:
    description = "Request input is decoded and evaluated (an encoder-wrapped one-line server, AntSword style)"
    family = "AntSword"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $dec = /(eval|assert)\s{0,8}\(\s{0,8}@?\s{0,4}(base64_decode|str_rot13|strrev|gzinflate|hex2bin|urldecode|rawurldecode|gzuncompress|convert_uudecode)\s{0,4}\(\s{0,8}@?\s{0,4}\$_(POST|GET|REQUEST|COOKIE)\s{0,4}[\[{]/ nocase
  condition:
    $dec
}

rule antsword_php_class_loader {
  meta:
    description = "A magic method evaluates a property filled from the request (class-wrapped one-line server)"
    family = "AntSword"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $magic = /function\s{1,4}__(destruct|invoke|toString|get|call|set|wakeup)\s{0,4}\([^)\n]{0,60}\)\s{0,4}\{[^}]{0,200}(eval|assert)\s{0,4}\(\s{0,4}@?\s{0,4}\$this\s{0,2}->/ nocase
    $ctx_req = /\$_(POST|GET|REQUEST|COOKIE)\s{0,4}\[/
  condition:
    filesize < 16KB and $magic and $ctx_req
}
