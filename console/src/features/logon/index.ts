export { LogonView } from "./LogonView.tsx";
export { FACTORS, HOW_LABEL, approvalsFor, factorLabel, isGeo, locationMatches, locationValue, type ApprovalsPage, type Geo, type LearnedLocation, type LocationsPage, type LogonApproval, type LogonFactor } from "./model.ts";
