// Dropper/uploader stubs: a tiny file that stores whatever is uploaded under the name the
// client chose — how a first foothold brings in the real shell. Written for Hostward (WS-8).

rule php_tiny_uploader {
  meta:
    description = "A tiny file stores an uploaded file under the client-chosen name (uploader stub)"
    family = "PHP uploader"
    severity = "suspicious"
    score = 50
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $move = /(move_uploaded_file|copy)\s{0,4}\(\s{0,4}\$_FILES\s{0,2}\[[^\]\n]{1,30}\]\s{0,2}\[\s{0,2}['"]tmp_name['"]\s{0,2}\]\s{0,4},[^;\n]{0,60}\$_FILES\s{0,2}\[[^\]\n]{1,30}\]\s{0,2}\[\s{0,2}['"]name['"]\s{0,2}\]/ nocase
    $put = /file_put_contents\s{0,4}\(\s{0,4}\$_(POST|GET|REQUEST)\s{0,2}\[[^\]\n]{1,30}\]\s{0,4},\s{0,4}(base64_decode\s{0,2}\(\s{0,2})?\$_(POST|GET|REQUEST)/ nocase
  condition:
    filesize < 4KB and ($move or $put)
}
