export { QuarantineView } from "./QuarantineView.tsx";
