// PHP reverse and bind shells: a socket wired to an interactive shell. Written for Hostward (WS-8).

rule php_reverse_shell {
  meta:
    description = "A socket is wired to a shell: an interactive shell attached to it, or a listening socket whose input is run as commands"
    family = "PHP back-connect shell"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $sock = /(fsockopen|pfsockopen|stream_socket_client|socket_create|socket_connect)\s{0,4}\(/ nocase
    $shi = /\/bin\/(ba|z|da)?sh["']?\s{0,4}(,\s{0,4}["'])?-i/
    $desc = /proc_open\s{0,4}\([^;\n]{0,80}(\$sock|\$s\b|array\s{0,2}\(\s{0,2}0\s{0,2}=>\s{0,2}\$)/ nocase
    $bind = /socket_(bind|listen)\s{0,4}\(/ nocase
    $binsh = /["']\/bin\/(ba)?sh["']/
    $run = /(shell_exec|passthru|proc_open|popen|system)\s{0,4}\(\s{0,4}\$/ nocase
  condition:
    $sock and ($shi or $desc or (#bind >= 2 and ($binsh or $run)))
}
