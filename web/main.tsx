import { render } from "preact";
import { takeTokenFromAddress } from "./api.ts";
import { App } from "./app.tsx";

takeTokenFromAddress();

const root = document.getElementById("app");
if (root) {
  root.textContent = "";
  render(<App />, root);
}
