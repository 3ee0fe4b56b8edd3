export { LoginView } from "./LoginView.tsx";
export { PasswordChangeView } from "./PasswordChangeView.tsx";
