import Testing
import Transports

@Suite struct TransportsModuleTests {
    @Test func theModuleLinks() {
        #expect(TransportsModule.name == "Transports")
    }
}
