import { useRouter } from "../../app/router.tsx";
import { EventDetails } from "./EventDetails.tsx";
import { EventList } from "./EventList.tsx";
import "./events.css";

/** Security events: the list, or one event's details when the URL names it (?event=…&tab=…). */
export function EventsView() {
  const { route } = useRouter();
  const id = route.query.get("event");
  return id ? <EventDetails key={id} id={id} /> : <EventList />;
}
