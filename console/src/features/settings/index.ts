export { SettingsView } from "./SettingsView.tsx";
