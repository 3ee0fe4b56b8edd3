// JSP memory-shell injectors: a page that reaches into the servlet container (Tomcat's
// StandardContext, the valve pipeline, Spring's handler mapping) to register a filter,
// servlet, listener, valve or controller that lives on after the file is gone.
// Written for Hostward (WS-8).

rule jsp_memshell_filter {
  meta:
    description = "Registers a new filter in the running container (FilterDef/FilterMap injection)"
    family = "JSP memory shell"
    severity = "malicious"
    languages = "jsp"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $def = "FilterDef" ascii
    $map = "FilterMap" ascii
    $add = /(addFilterMapBefore|addFilterMap|addFilterDef|ApplicationFilterConfig)/
    $ctx = /(StandardContext|ApplicationContext|getServletContext)/
  condition:
    $def and $map and $add and $ctx
}

rule jsp_memshell_servlet {
  meta:
    description = "Registers a new servlet in the running container (Wrapper + servlet mapping injection)"
    family = "JSP memory shell"
    severity = "malicious"
    languages = "jsp"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $ctx = "StandardContext" ascii
    $wrap = /(createWrapper|newWrapper|StandardWrapper)/
    $map = /addServletMapping(Decoded)?\s{0,2}\(/
    $child = /addChild\s{0,2}\(/
  condition:
    $ctx and $wrap and ($map or $child)
}

rule jsp_memshell_listener {
  meta:
    description = "Registers a request listener in the running container"
    family = "JSP memory shell"
    severity = "malicious"
    languages = "jsp"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $add = /addApplicationEventListener\s{0,2}\(/
    $ctx = /(StandardContext|ServletRequestListener)/
  condition:
    $add and $ctx
}

rule jsp_memshell_valve {
  meta:
    description = "Adds a valve to the container's pipeline"
    family = "JSP memory shell"
    severity = "malicious"
    languages = "jsp"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $pipe = /getPipeline\s{0,2}\(\s{0,2}\)\s{0,2}\.\s{0,2}addValve\s{0,2}\(/
    $valve = /(ValveBase|implements\s{1,2}Valve)/
    $addv = /addValve\s{0,2}\(/
  condition:
    $pipe or ($valve and $addv)
}

rule jsp_memshell_spring {
  meta:
    description = "Registers a new Spring controller mapping at run time"
    family = "JSP memory shell"
    severity = "malicious"
    languages = "jsp"
    author = "Hostward"
    reference = "WS-8"
  strings:
    $hm = "RequestMappingHandlerMapping" ascii
    $reg = /registerMapping\s{0,2}\(/
    $ctx = /(WebApplicationContext|RequestContextHolder|getBean\s{0,2}\()/
  condition:
    $hm and $reg and $ctx
}
