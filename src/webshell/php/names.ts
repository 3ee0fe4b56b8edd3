/** WS-8: the PHP vocabulary the heuristics reason with (lower-case function names). */

/** Superglobals whose every value comes from the request. */
export const INPUT_GLOBALS = new Set([
  "_GET", "_POST", "_REQUEST", "_COOKIE", "_FILES",
  "HTTP_GET_VARS", "HTTP_POST_VARS", "HTTP_COOKIE_VARS", "HTTP_POST_FILES", "HTTP_RAW_POST_DATA",
]);

/** `$_SERVER` keys that carry request data (headers, query string, basic-auth). */
export const SERVER_INPUT_KEY = /^(HTTP_|QUERY_STRING$|PHP_AUTH_)/i;

/** Calls that return request data. */
export const INPUT_FUNCS = new Set(["getallheaders", "apache_request_headers", "http_get_request_body", "filter_input", "filter_input_array"]);

/** Code execution: the string argument is PHP code. */
export const CODE_SINKS = new Set(["eval", "assert"]);
export const INCLUDES = new Set(["include", "include_once", "require", "require_once"]);

/** OS command execution: the first argument is a command line. */
export const EXEC_SINKS = new Set(["system", "exec", "shell_exec", "passthru", "popen", "proc_open", "pcntl_exec", "expect_popen"]);

/** Functions that call a callback, and the position of the callback argument (-1: last). */
export const CALLBACKS = new Map<string, number>([
  ["call_user_func", 0], ["call_user_func_array", 0], ["forward_static_call", 0], ["forward_static_call_array", 0],
  ["array_map", 0], ["array_filter", 1], ["array_walk", 1], ["array_walk_recursive", 1], ["array_reduce", 1],
  ["usort", 1], ["uasort", 1], ["uksort", 1], ["register_shutdown_function", 0], ["register_tick_function", 0],
  ["ob_start", 0], ["iterator_apply", 1], ["set_error_handler", 0], ["set_exception_handler", 0],
  ["preg_replace_callback", 1], ["mb_ereg_replace_callback", 1], ["spl_autoload_register", 0], ["header_register_callback", 0],
  ["array_diff_ukey", -1], ["array_diff_uassoc", -1], ["array_intersect_ukey", -1], ["array_intersect_uassoc", -1],
  ["array_udiff", -1], ["array_uintersect", -1], ["array_udiff_assoc", -1], ["array_uintersect_assoc", -1],
]);

/** Names that, once assembled at run time or taken from input, mean code or command execution. */
export const EXEC_NAMES = new Set([
  "eval", "assert", "system", "exec", "shell_exec", "passthru", "popen", "proc_open", "pcntl_exec", "create_function",
  "call_user_func", "call_user_func_array", "preg_replace", "include", "require", "include_once", "require_once",
  "file_put_contents", "move_uploaded_file", "array_map", "register_shutdown_function", "ob_start", "expect_popen",
]);

/** Decoders that hide a payload. */
export const DECODERS = new Set([
  "base64_decode", "gzinflate", "gzuncompress", "gzdecode", "zlib_decode", "str_rot13", "hex2bin", "convert_uudecode",
  "bzdecompress", "lzf_decompress", "strrev", "urldecode", "rawurldecode",
]);
/** Decoders whose output, executed, means a hidden payload (strrev / urldecode are too common to count). */
export const STRONG_DECODERS = new Set([
  "base64_decode", "gzinflate", "gzuncompress", "gzdecode", "zlib_decode", "str_rot13", "hex2bin", "convert_uudecode", "bzdecompress", "lzf_decompress",
]);
export const CRYPTO_DECODERS = new Set(["openssl_decrypt", "mcrypt_decrypt", "mcrypt_cbc", "mcrypt_ecb", "mdecrypt_generic", "sodium_crypto_secretbox_open"]);

/** Names whose obfuscated spelling is a strong sign of hiding (but not execution on their own). */
export const HIDDEN_NAMES = new Set([
  ...DECODERS, ...CRYPTO_DECODERS, "_post", "_get", "_request", "_cookie", "_server", "_files", "globals", "getallheaders", "fwrite", "fopen",
]);

/** Builtins whose result carries their arguments' data (taint flows through them). */
export const PROPAGATE = new Set([
  ...DECODERS, ...CRYPTO_DECODERS,
  "trim", "ltrim", "rtrim", "chop", "stripslashes", "stripcslashes", "str_replace", "str_ireplace", "substr", "substr_replace",
  "strtolower", "strtoupper", "ucfirst", "lcfirst", "ucwords", "implode", "join", "explode", "str_split", "array_values",
  "array_keys", "array_pop", "array_shift", "reset", "end", "current", "next", "array_slice", "array_merge", "array_reverse",
  "array_unique", "sprintf", "vsprintf", "strtr", "preg_replace", "preg_split", "str_pad", "wordwrap", "chunk_split",
  "html_entity_decode", "htmlspecialchars_decode", "unserialize", "json_decode", "strval", "pack", "unpack", "base64_encode",
  "bin2hex", "file_get_contents", "curl_exec", "stream_get_contents", "fread", "fgets", "file", "array_map", "array_filter",
  "mb_substr", "mb_strtolower", "mb_strtoupper", "array_flip", "array_combine", "array_column", "iconv", "mb_convert_encoding",
  "utf8_decode", "utf8_encode", "nl2br", "quoted_printable_decode", "array_pad", "array_splice", "array",
]);

/** Functions whose argument (only) matters as a regular expression or flag string. */
export const PREG_SINKS = new Set(["preg_replace", "preg_filter"]);
export const MB_EREG_SINKS = new Set(["mb_ereg_replace", "mb_eregi_replace"]);

/** Spy-shell and file-manager traits. */
export const RECON_FUNCS = new Set(["php_uname", "posix_getpwuid", "posix_getgrgid", "posix_geteuid", "posix_getegid", "getmyuid", "getmygid", "get_current_user", "posix_uname"]);
export const FS_FUNCS = new Set([
  "opendir", "readdir", "scandir", "glob", "is_writable", "is_writeable", "fileperms", "fileowner", "chmod", "unlink", "rmdir",
  "rename", "filemtime", "touch", "mkdir", "disk_free_space", "disk_total_space", "is_readable", "filesize", "readfile",
]);
export const NET_FUNCS = new Set(["fsockopen", "pfsockopen", "stream_socket_client", "socket_connect", "socket_create", "stream_socket_server", "socket_bind"]);
export const PROBE_VALUES = new Set(["safe_mode", "disable_functions", "open_basedir", "safe_mode_exec_dir"]);

/** Names the heuristics compare identifiers with outside the sets above (keywords, folded builtins, upload checks …). */
const OTHER_NAMES = [
  "function", "fn", "new", "const", "static", "global", "for", "foreach", "while", "goto", "return", "define", "list", "as", "array",
  "instanceof", "true", "false", "null", "isset", "empty", "count", "in_array", "array_key_exists", "method_exists", "function_exists", "class_exists",
  "reflectionfunction", "create_function", "phpinfo", "ini_get", "ini_restore", "file_put_contents", "filter_var", "filter_var_array", "filter_callback",
  "fwrite", "fputs", "fopen", "move_uploaded_file", "copy", "mail", "md5", "sha1", "hash", "crypt", "pathinfo", "getimagesize", "finfo_file",
  "mime_content_type", "exif_imagetype", "finfo_open", "strrchr", "imagecreatefromstring", "preg_match", "preg_match_all", "end", "explode",
  "str_ends_with", "substr", "uasort", "uksort", "getdoccomment", "getenv", "file_get_contents", "file", "parse_str", "mb_parse_str", "extract",
  "import_request_variables", "array_push", "array_unshift", "__invoke", "chr", "ord", "implode", "join", "str_replace", "str_ireplace", "strtr",
  "sprintf", "substr_replace", "pack", "strrev", "str_rot13", "strtolower", "strtoupper", "ucfirst", "ucwords", "trim", "ltrim", "rtrim", "strval",
  "base64_decode", "hex2bin", "urldecode", "rawurldecode", "gzinflate", "gzuncompress", "gzdecode", "convert_uudecode",
  "int", "integer", "bool", "boolean", "float", "double",
];

/** nameHash() of a name, as the lexer computes it (kept here so that names.ts stays free of imports). */
function hashOf(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
  return h;
}

function byHash(names: Iterable<string>, what: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const n of names) {
    const h = hashOf(n);
    const had = out.get(h);
    // two known names on one hash would make one of them invisible: refuse at load
    if (had !== undefined && had !== n) throw new Error(`${what}: ${had} and ${n} share a hash`);
    out.set(h, n);
  }
  return out;
}

/**
 * Every lower-case identifier the PHP heuristics compare a token with, by the lexer's name hash
 * (Code.word()): a token whose hash is not here is none of them, and needs no string.
 */
export const VOCAB: ReadonlyMap<number, string> = byHash(
  [
    ...INPUT_FUNCS, ...CODE_SINKS, ...INCLUDES, ...EXEC_SINKS, ...CALLBACKS.keys(), ...EXEC_NAMES, ...DECODERS, ...STRONG_DECODERS, ...CRYPTO_DECODERS,
    ...HIDDEN_NAMES, ...PROPAGATE, ...PREG_SINKS, ...MB_EREG_SINKS, ...RECON_FUNCS, ...FS_FUNCS, ...NET_FUNCS, ...OTHER_NAMES,
  ],
  "VOCAB",
);

/** Variable names (as written, case matters) the heuristics compare a `$name` token with (Code.varName()). */
export const VAR_NAMES: ReadonlyMap<number, string> = byHash([...INPUT_GLOBALS, "_SERVER", "GLOBALS", "_FILES", "_SESSION", "this"], "VAR_NAMES");
