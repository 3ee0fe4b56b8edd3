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
