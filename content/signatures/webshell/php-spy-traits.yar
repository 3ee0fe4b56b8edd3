// What a PHP spy/file-manager shell shows its operator: server reconnaissance, back-connect,
// brute force and self-removal, beside a command runner. Written for Hostward (WS-8).

rule php_spy_shell_traits {
  meta:
    description = "Many spy-shell panel traits (safe_mode/disable_functions probing, back-connect, /etc/passwd, self-removal) beside command execution"
    family = "PHP spy shell"
    severity = "suspicious"
    score = 60
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $t1 = "safe_mode" nocase
    $t2 = "disable_functions" nocase
    $t3 = "open_basedir" nocase
    $t4 = "uname -a" nocase
    $t5 = "posix_getpwuid" nocase
    $t6 = /back[\s\-_]{0,1}connect/ nocase
    $t7 = /bind[\s\-_]{0,1}port/ nocase
    $t8 = "/etc/passwd" nocase
    $t9 = /self[\s\-_]{0,1}(remove|delete|kill)/ nocase
    $t10 = /brute[\s\-_]{0,1}force/ nocase
    $t11 = "disk_free_space" nocase
    $t12 = "getmyuid" nocase
    $t13 = /["'](ls -la|netstat -an|ps aux|cat \/etc\/passwd|id;|whoami)["']/ nocase
    $e1 = "shell_exec(" nocase
    $e2 = "passthru(" nocase
    $e3 = "proc_open(" nocase
    $e4 = "popen(" nocase
    $e5 = "system(" nocase
  condition:
    6 of ($t*) and any of ($e*)
}
