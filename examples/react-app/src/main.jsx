import { createRoot } from "react-dom/client";
import { GatehouseProvider } from "gatehouse-react";
import { App } from "./App.jsx";

createRoot(document.getElementById("root")).render(
  <GatehouseProvider frontendApi={import.meta.env.VITE_GATEHOUSE_API}>
    <App />
  </GatehouseProvider>,
);
