// Godzilla-style loaders: a password-named request field carries an XOR/AES-encrypted payload
// kept in the session and run on later requests. Written for Hostward (WS-8).

rule godzilla_php {
  meta:
    description = "An XOR-encrypted payload from the request is stored in the session and evaluated"
    family = "Godzilla"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $xor = /\$\w{1,20}\s{0,2}\[\s{0,2}\$\w{1,10}\s{0,2}\+\s{0,2}1\s{0,2}&\s{0,2}15\s{0,2}\]/
    $sess = /\$_SESSION\s{0,2}\[\s{0,2}\$\w{1,30}\s{0,2}\]/
    $req = /(base64_decode\s{0,4}\(\s{0,4}\$_(POST|REQUEST|COOKIE)|\$_(POST|REQUEST|COOKIE)\s{0,2}\[\s{0,2}\$\w{1,30}\s{0,2}\])/ nocase
    $run = /(eval|assert|include|create_function)\s{0,4}\(\s{0,4}@?\s{0,4}\$/ nocase
  condition:
    filesize < 32KB and $xor and $sess and $req and $run
}

rule godzilla_jsp {
  meta:
    description = "A request parameter is decrypted, defined as a class and kept in the session"
    family = "Godzilla"
    severity = "malicious"
    languages = "jsp"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $define = "defineClass" ascii
    $cipher = "javax.crypto.Cipher" ascii
    $cipher2 = /Cipher\s{0,2}\.\s{0,2}getInstance\s{0,2}\(/
    $param = /request\s{0,2}\.\s{0,2}getParameter\s{0,2}\(/
    $sess = /session\s{0,2}\.\s{0,2}(setAttribute|getAttribute)\s{0,2}\(/
  condition:
    $define and ($cipher or $cipher2) and $param and $sess
}

rule godzilla_aspx {
  meta:
    description = "A base64 request field is loaded as an assembly kept in the session"
    family = "Godzilla"
    severity = "malicious"
    languages = "aspx"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $load = /Assembly\s{0,2}\.\s{0,2}Load\s{0,2}\(/ nocase
    $b64 = /FromBase64String\s{0,2}\(\s{0,2}(Context\s{0,2}\.\s{0,2})?Request/ nocase
    $sess = /Session\s{0,2}\[\s{0,2}["\w]/ nocase
    $inst = /CreateInstance\s{0,2}\(/ nocase
  condition:
    $load and $b64 and ($sess or $inst)
}
