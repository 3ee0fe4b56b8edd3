export { EntitiesView } from "./EntitiesView.tsx";
