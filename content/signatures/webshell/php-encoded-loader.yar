// Packed PHP loaders: code kept encoded and evaluated at run time, the usual wrapper of
// injected backdoors and of shells hidden from grep. Written for Hostward (WS-8).

rule php_eval_decoder_chain {
  meta:
    description = "Code evaluated from a chain of decoders (e.g. eval(gzinflate(base64_decode(...))))"
    family = "PHP packed loader"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $chain = /(eval|assert)\s{0,8}\(\s{0,8}@?\s{0,4}(gzinflate|gzuncompress|gzdecode|str_rot13|strrev|convert_uudecode|base64_decode|hex2bin|rawurldecode)\s{0,4}\(\s{0,8}@?\s{0,4}(gzinflate|gzuncompress|gzdecode|str_rot13|strrev|base64_decode|convert_uudecode|hex2bin|rawurldecode)\s{0,4}\(/ nocase
  condition:
    $chain
}

rule php_eval_base64_literal {
  meta:
    description = "A long base64 literal is decoded and evaluated"
    family = "PHP packed loader"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $lit = /(eval|assert)\s{0,8}\(\s{0,8}@?\s{0,4}base64_decode\s{0,4}\(\s{0,4}['"][A-Za-z0-9+\/=\r\n]{120}/ nocase
  condition:
    $lit
}

rule php_eval_decoded_variable {
  meta:
    description = "Code evaluated from a decoded variable (base64/gzinflate/str_rot13 of a variable)"
    family = "PHP packed loader"
    severity = "suspicious"
    score = 50
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $var = /(eval|assert)\s{0,8}\(\s{0,8}@?\s{0,4}(base64_decode|gzinflate|gzuncompress|str_rot13|convert_uudecode)\s{0,4}\(\s{0,4}\$/ nocase
  condition:
    $var
}

rule php_escaped_function_names {
  meta:
    description = "Dangerous PHP function names spelled in hex/octal escapes or chr() arithmetic to hide them"
    family = "PHP obfuscation"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $hex_eval = "\\x65\\x76\\x61\\x6c" nocase
    $hex_assert = "\\x61\\x73\\x73\\x65\\x72\\x74" nocase
    $hex_b64 = "\\x62\\x61\\x73\\x65\\x36\\x34" nocase
    $hex_gzinf = "\\x67\\x7a\\x69\\x6e\\x66\\x6c" nocase
    $hex_system = "\\x73\\x79\\x73\\x74\\x65\\x6d" nocase
    $hex_create = "\\x63\\x72\\x65\\x61\\x74\\x65\\x5f\\x66" nocase
    $oct_eval = "\\145\\166\\141\\154"
    $oct_b64 = "\\142\\141\\163\\145\\66\\64"
    $oct_assert = "\\141\\163\\163\\145\\162\\164"
    $chr_eval = /chr\s{0,2}\(\s{0,2}101\s{0,2}\)\s{0,2}\.\s{0,2}chr\s{0,2}\(\s{0,2}118\s{0,2}\)\s{0,2}\.\s{0,2}chr\s{0,2}\(\s{0,2}97\s{0,2}\)/ nocase
    $chr_assert = /chr\s{0,2}\(\s{0,2}97\s{0,2}\)\s{0,2}\.\s{0,2}chr\s{0,2}\(\s{0,2}115\s{0,2}\)\s{0,2}\.\s{0,2}chr\s{0,2}\(\s{0,2}115\s{0,2}\)/ nocase
  condition:
    any of them
}

rule php_split_function_names {
  meta:
    description = "Dangerous PHP function names split into concatenated pieces to hide them"
    family = "PHP obfuscation"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $assert0 = /["']as["']\s{0,3}\.\s{0,3}["']sert["']/
    $assert1 = /["']ass["']\s{0,3}\.\s{0,3}["']ert["']/
    $assert2 = /["']asse["']\s{0,3}\.\s{0,3}["']rt["']/
    $b640 = /["']ba["']\s{0,3}\.\s{0,3}["']se64_decode["']/
    $b641 = /["']bas["']\s{0,3}\.\s{0,3}["']e64_decode["']/
    $b642 = /["']base["']\s{0,3}\.\s{0,3}["']64_decode["']/
    $b643 = /["']base6["']\s{0,3}\.\s{0,3}["']4_decode["']/
    $b644 = /["']base64["']\s{0,3}\.\s{0,3}["']_decode["']/
    $b645 = /["']base64_["']\s{0,3}\.\s{0,3}["']decode["']/
    $b646 = /["']base64_d["']\s{0,3}\.\s{0,3}["']ecode["']/
    $b647 = /["']base64_de["']\s{0,3}\.\s{0,3}["']code["']/
    $create0 = /["']cr["']\s{0,3}\.\s{0,3}["']eate_function["']/
    $create1 = /["']cre["']\s{0,3}\.\s{0,3}["']ate_function["']/
    $create2 = /["']crea["']\s{0,3}\.\s{0,3}["']te_function["']/
    $create3 = /["']creat["']\s{0,3}\.\s{0,3}["']e_function["']/
    $create4 = /["']create["']\s{0,3}\.\s{0,3}["']_function["']/
    $create5 = /["']create_["']\s{0,3}\.\s{0,3}["']function["']/
    $create6 = /["']create_f["']\s{0,3}\.\s{0,3}["']unction["']/
    $gz0 = /["']gz["']\s{0,3}\.\s{0,3}["']inflate["']/
    $gz1 = /["']gzi["']\s{0,3}\.\s{0,3}["']nflate["']/
    $gz2 = /["']gzin["']\s{0,3}\.\s{0,3}["']flate["']/
    $gz3 = /["']gzinf["']\s{0,3}\.\s{0,3}["']late["']/
    $gz4 = /["']gzinfl["']\s{0,3}\.\s{0,3}["']ate["']/
    $rot0 = /["']st["']\s{0,3}\.\s{0,3}["']r_rot13["']/
    $rot1 = /["']str["']\s{0,3}\.\s{0,3}["']_rot13["']/
    $rot2 = /["']str_["']\s{0,3}\.\s{0,3}["']rot13["']/
    $rot3 = /["']str_r["']\s{0,3}\.\s{0,3}["']ot13["']/
    $rot4 = /["']str_ro["']\s{0,3}\.\s{0,3}["']t13["']/
    $shell0 = /["']sh["']\s{0,3}\.\s{0,3}["']ell_exec["']/
    $shell1 = /["']she["']\s{0,3}\.\s{0,3}["']ll_exec["']/
    $shell2 = /["']shel["']\s{0,3}\.\s{0,3}["']l_exec["']/
    $shell3 = /["']shell["']\s{0,3}\.\s{0,3}["']_exec["']/
    $shell4 = /["']shell_["']\s{0,3}\.\s{0,3}["']exec["']/
    $shell5 = /["']shell_e["']\s{0,3}\.\s{0,3}["']xec["']/
    $passthru0 = /["']pa["']\s{0,3}\.\s{0,3}["']ssthru["']/
    $passthru1 = /["']pas["']\s{0,3}\.\s{0,3}["']sthru["']/
    $passthru2 = /["']pass["']\s{0,3}\.\s{0,3}["']thru["']/
    $passthru3 = /["']passt["']\s{0,3}\.\s{0,3}["']hru["']/
    $passthru4 = /["']passth["']\s{0,3}\.\s{0,3}["']ru["']/
  condition:
    any of them
}
