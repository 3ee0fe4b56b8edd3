export { SettingsView } from "./SettingsView.tsx";
// shared controls, for the other settings-like views (logon settings)
export { Actor, ConfirmButton, ErrorBox, Switch, useAction } from "./common.tsx";
