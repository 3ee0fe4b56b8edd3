export { IntelView } from "./IntelView.tsx";
export { CATEGORY_LABEL, BAD_CATEGORIES } from "./model.ts";
