export { AssetsView } from "./AssetsView.tsx";
