// Request input handed straight to PHP's code evaluators or called as a function: the core of
// most PHP backdoors, whatever their size. Written for Hostward (WS-8).

rule php_request_eval {
  meta:
    description = "Request input is evaluated as PHP code (eval/assert/create_function/preg_replace /e)"
    family = "PHP one-line backdoor"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $eval = /(eval|assert|create_function)\s{0,8}\(\s{0,8}@?\s{0,4}(['"]{2}\s{0,4},\s{0,4})?((stripslashes|trim|strval)\s{0,4}\(\s{0,4})?\$_(POST|GET|REQUEST|COOKIE)\s{0,4}[\[{]/ nocase
    $hdr = /(eval|assert)\s{0,8}\(\s{0,8}@?\s{0,4}\$_SERVER\s{0,4}\[\s{0,4}['"]HTTP_/ nocase
    $pre = /preg_replace\s{0,4}\(\s{0,4}["'][^"'\n]{1,100}\/[a-zA-Z]{0,5}e[a-zA-Z]{0,5}["']\s{0,4},\s{0,4}@?\$_(POST|GET|REQUEST|COOKIE)/
  condition:
    any of them
}

rule php_request_callback {
  meta:
    description = "A request value, or a code evaluator, is passed as the callback of a PHP function (the request names or supplies the code to run)"
    family = "PHP one-line backdoor"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $cb = /(array_map|call_user_func|call_user_func_array|register_shutdown_function|register_tick_function|ob_start|forward_static_call|forward_static_call_array)\s{0,8}\(\s{0,8}@?\$_(POST|GET|REQUEST|COOKIE)\s{0,4}[\[{]/ nocase
    $cb_second = /(array_filter|array_walk|array_walk_recursive|usort|uasort|uksort|array_reduce|iterator_apply|preg_replace_callback)\s{0,8}\(\s{0,8}[^,;()\n]{1,60},\s{0,8}@?\$_(POST|GET|REQUEST|COOKIE)\s{0,4}[\[{]/ nocase
    $named = /(array_map|call_user_func|call_user_func_array)\s{0,8}\(\s{0,8}['"](assert|eval|system|passthru|shell_exec|exec|create_function)['"]\s{0,4},\s{0,8}@?(array\s{0,4}\(\s{0,4})?\$_(POST|GET|REQUEST|COOKIE)/ nocase
    $ob = /ob_start\s{0,4}\(\s{0,4}['"](assert|eval|system|passthru|shell_exec|exec|create_function)['"]/ nocase
    $named_second = /(array_filter|array_walk|usort|uasort|uksort)\s{0,8}\(\s{0,8}@?\$_(POST|GET|REQUEST|COOKIE)[^,;\n]{0,40},\s{0,8}['"](assert|eval|system|passthru|shell_exec|exec|create_function)['"]/ nocase
  condition:
    any of them
}

rule php_request_varfunc {
  meta:
    description = "A request value is called as a function, e.g. $_GET['f']($_GET['c'])"
    family = "PHP one-line backdoor"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $call = /\$_(POST|GET|REQUEST|COOKIE)\s{0,4}\[[^\]\n]{1,40}\]\s{0,4}\(\s{0,8}(\$_(POST|GET|REQUEST|COOKIE)|['"]|\$\w)/
  condition:
    $call
}
