export { WhitelistView } from "./WhitelistView.tsx";
