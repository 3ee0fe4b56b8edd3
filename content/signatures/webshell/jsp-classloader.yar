// JSP loaders that turn request bytes into classes (defineClass / URLClassLoader / a script
// engine): the basis of Java memory shells and of encrypted shells. Written for Hostward (WS-8).

rule jsp_defineclass_request {
  meta:
    description = "Request bytes are decoded and defined as a class (class loading of request bytes)"
    family = "JSP class loader"
    severity = "malicious"
    languages = "jsp"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $define = /defineClass\s{0,2}\(/
    $body = /request\s{0,2}\.\s{0,2}(getReader|getInputStream|getParameter|getHeader)\s{0,2}\(/
    $dec = /(Base64\s{0,2}\.\s{0,2}(getDecoder|decodeBase64|getMimeDecoder)|BASE64Decoder|Cipher\s{0,2}\.\s{0,2}getInstance|DatatypeConverter\s{0,2}\.\s{0,2}parseBase64Binary)/
  condition:
    $define and $body and $dec
}

rule jsp_remote_classloader {
  meta:
    description = "A class loader is pointed at a URL taken from the request"
    family = "JSP class loader"
    severity = "malicious"
    languages = "jsp"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $url = /new\s{1,2}URLClassLoader\s{0,2}\(\s{0,2}new\s{1,2}URL\s{0,2}\[\s{0,2}\]\s{0,2}\{\s{0,2}new\s{1,2}URL\s{0,2}\(\s{0,2}request\s{0,2}\.\s{0,2}getParameter/
  condition:
    $url
}

rule jsp_script_engine_request {
  meta:
    description = "A script engine (JavaScript/Groovy/EL) evaluates a request parameter"
    family = "JSP script engine shell"
    severity = "malicious"
    languages = "jsp"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $se = /(ScriptEngineManager|GroovyShell|ELProcessor|ExpressionFactory)/
    $eval = /\.\s{0,2}(eval|evaluate|createValueExpression)\s{0,2}\(\s{0,4}(pageContext\s{0,2}\.\s{0,2}getELContext\s{0,2}\(\s{0,2}\)\s{0,2},\s{0,2})?request\s{0,2}\.\s{0,2}getParameter/
  condition:
    $se and $eval
}
