/** True for the first invocation an execution environment serves, false afterwards. */
export class ColdStart {
  private first = true;

  take(): boolean {
    const value = this.first;
    this.first = false;
    return value;
  }
}
