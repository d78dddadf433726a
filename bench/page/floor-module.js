// The empty module bench/page/floor.html imports in place of the SDK's.
export {};
