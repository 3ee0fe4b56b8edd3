export { AnalysisView } from "./AnalysisView.tsx";
