// ASP.NET shells that sign their pages: ASPXSpy and DevilzShell. Written for Hostward (WS-8).

rule aspx_named_shell {
  meta:
    description = "A known ASP.NET shell's own name (ASPXSpy, DevilzShell)"
    family = "ASPXSpy / DevilzShell"
    severity = "malicious"
    languages = "aspx,asp"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $a = "aspxspy" nocase
    $b = "devilzshell" nocase
  condition:
    any of them
}
