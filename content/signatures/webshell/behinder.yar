// Behinder-style encrypted loaders: the request body is decrypted (AES or a 16-byte XOR key)
// and run as code (PHP), as a class (JSP: defineClass) or as an assembly (ASPX).
// Written for Hostward (WS-8).

rule behinder_php {
  meta:
    description = "The raw request body is decrypted (openssl_decrypt or a 16-byte XOR key) and evaluated"
    family = "Behinder"
    severity = "malicious"
    languages = "php"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $input = "php://input" nocase
    $aes = /openssl_decrypt\s{0,4}\(/ nocase
    $xor = /\$\w{1,20}\s{0,2}\[\s{0,2}\$\w{1,10}\s{0,2}\+\s{0,2}1\s{0,2}&\s{0,2}15\s{0,2}\]/
    $eval = /(eval|assert)\s{0,4}\(\s{0,4}@?\s{0,4}\$/ nocase
    $invoke = /function\s{1,4}__invoke\s{0,4}\(\s{0,4}\$\w{1,20}\s{0,4}\)\s{0,4}\{\s{0,8}(eval|assert)\s{0,4}\(/ nocase
  condition:
    filesize < 32KB and $input and ($aes or $xor) and ($eval or $invoke)
}

rule behinder_jsp {
  meta:
    description = "The request body is AES-decrypted and defined as a class (encrypted memory loader)"
    family = "Behinder"
    severity = "malicious"
    languages = "jsp"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $define = "defineClass" ascii
    $cipher = /Cipher\s{0,2}\.\s{0,2}getInstance\s{0,2}\(\s{0,2}"AES/ nocase
    $body1 = /request\s{0,2}\.\s{0,2}getReader\s{0,2}\(\s{0,2}\)\s{0,2}\.\s{0,2}readLine/
    $body2 = /request\s{0,2}\.\s{0,2}getInputStream\s{0,2}\(/
    $key = /session\s{0,2}\.\s{0,2}(putValue|setAttribute)\s{0,2}\(\s{0,2}"\w{1,4}"\s{0,2},/
  condition:
    $define and $cipher and ($body1 or $body2 or $key)
}

rule behinder_aspx {
  meta:
    description = "The request body is decrypted and loaded as a .NET assembly (encrypted memory loader)"
    family = "Behinder"
    severity = "malicious"
    languages = "aspx"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $load = /Assembly\s{0,2}\.\s{0,2}Load\s{0,2}\(/ nocase
    $crypt = /(RijndaelManaged|CreateDecryptor|AesManaged|Aes\.Create)/ nocase
    $body = /Request\s{0,2}\.\s{0,2}(BinaryRead|InputStream)/ nocase
  condition:
    $load and $crypt and $body
}

rule behinder_asp {
  meta:
    description = "The request body is XOR-decoded with a session key and executed (classic ASP encrypted loader)"
    family = "Behinder"
    severity = "malicious"
    languages = "asp"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $body = /Request\s{0,2}\.\s{0,2}BinaryRead\s{0,2}\(\s{0,2}Request\s{0,2}\.\s{0,2}TotalBytes/ nocase
    $xor = /Chr\s{0,2}\(\s{0,2}(AscB|Asc)\s{0,2}\([^)\n]{1,60}\){1,3}\s{0,2}Xor\s{1,2}(AscB|Asc)\s{0,2}\(/ nocase
    $exec = /(execute|executeglobal|eval)[\s(]{1,4}\w{1,20}/ nocase
  condition:
    $body and $xor and $exec
}
