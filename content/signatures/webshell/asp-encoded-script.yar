// Script Encoder output (#@~^…^#~@) in ASP pages: rare in applications written today, common
// in old shells hiding from grep. Written for Hostward (WS-8).

rule asp_encoded_script {
  meta:
    description = "The page carries Script-Encoder-encoded VBScript/JScript (#@~^ … ^#~@)"
    family = "ASP encoded script"
    severity = "suspicious"
    score = 60
    languages = "asp,aspx"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $start = /#@~\^[A-Za-z0-9+\/]{6}==/
    $end = /==\^#~@/
    $lang = /language\s{0,2}=\s{0,2}["']?(VBScript|JScript)\.Encode/ nocase
  condition:
    ($start and $end) or $lang
}
